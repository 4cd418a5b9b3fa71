// Edits of a pipeline's YAML made as text changes at the ranges the `yaml` parser reports, so that everything the edit
// does not touch survives byte for byte. `doc.setIn(...)` then `doc.toString()` would be shorter, but it re-prints the
// whole file: it re-aligns comments, re-indents and re-quotes (none of the files in pipelines/ survive it unchanged),
// and it would move the cursor of the YAML view. The same changes feed CodeMirror as one transaction.
import { Document, isCollection, isMap, isScalar, isSeq, type Node, type Pair, type YAMLMap } from 'yaml';
import type { ParsedPipeline } from './pipelineGraph';

/** Replace text[from, to) by insert; positions are offsets into the text the changes were computed on. */
export interface TextChange {
  from: number;
  to: number;
  insert: string;
}

export type Path = readonly (string | number)[];

/** Applies changes computed against the same text; they must not overlap. */
export function applyChanges(text: string, changes: readonly TextChange[]): string {
  let result = text;
  for (const c of [...changes].sort((a, b) => b.from - a.from)) result = result.slice(0, c.from) + c.insert + result.slice(c.to);
  return result;
}

/** One change that turns `before` into `after`: the differing middle, between their common start and common end. */
export function changeBetween(before: string, after: string): TextChange {
  let from = 0;
  while (from < before.length && from < after.length && before[from] === after[from]) from++;
  let tail = 0;
  while (tail < before.length - from && tail < after.length - from && before[before.length - 1 - tail] === after[after.length - 1 - tail]) tail++;
  return { from, to: before.length - tail, insert: after.slice(from, after.length - tail) };
}

/**
 * A value as YAML on one line, in the style of the files in pipelines/: `[a, b]` and `{ max: 0 }`. Scalars are
 * quoted only when YAML needs it, as inside a flow collection (`"a, b"`).
 */
export function inlineYaml(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(inlineYaml).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(([k, v]) => `${inlineYaml(k)}: ${inlineYaml(v)}`);
    return entries.length === 0 ? '{}' : `{ ${entries.join(', ')} }`;
  }
  return new Document([value]).toString({ collectionStyle: 'flow', lineWidth: 0 }).trim().replace(/^\[\s*/, '').replace(/\s*\]$/, '');
}

/** Sets key = value in the mapping at path, creating the mapping (and those above it) when missing. */
export function setPair(parsed: ParsedPipeline, path: Path, key: string, value: unknown, block = false): TextChange[] {
  const { text } = parsed;
  const map = parsed.doc.getIn(path, true);
  if (!isMap(map)) {
    if (path.length === 0) throw new Error('the document is not a mapping');
    return setPair(parsed, path.slice(0, -1), String(path[path.length - 1]), { [key]: value }, true);
  }

  if (map.items.length === 0 && path.length > 0) {
    // An empty `steps: {}` grows into a block mapping, as a person would write it.
    return setPair(parsed, path.slice(0, -1), String(path[path.length - 1]), { [key]: value }, true);
  }
  if (map.flow || !map.range) {
    const json = { ...(map.toJSON() as object), [key]: value };
    return replaceNode(parsed, path, map, json);
  }

  const pair = findPair(map, key);
  const indent = column(text, (map.items[0].key as Node).range![0]);
  if (pair) {
    const old = pair.value as Node | null;
    const oldIsBlock = isCollection(old) && !old.flow && old.items.length > 0;
    if (!oldIsBlock && !block && old?.range) {
      const source = text.slice(old.range[0], old.range[1]);
      return [{ from: old.range[0], to: old.range[1], insert: (source === '' ? ' ' : '') + inlineYaml(value) }];
    }
    const [from, to] = pairSpan(text, pair);
    const written = pairText(key, value, indent, block);
    // The first key of a list item shares its line with `- `, which stays: the text goes after it.
    return [{ from, to, insert: from === lineStart(text, from) ? written : written.slice(indent) }];
  }

  const end = map.range[1];
  const atLineStart = end === 0 || text[end - 1] === '\n';
  return [{ from: end, to: end, insert: (atLineStart ? '' : '\n') + pairText(key, value, indent, block) }];
}

/**
 * Removes key from the mapping at path. When it was the mapping's only key, the mapping goes too if `dropEmpty`
 * (an empty `with:`), else it becomes `{}` (an empty `steps:`).
 */
export function deletePair(parsed: ParsedPipeline, path: Path, key: string, dropEmpty = true): TextChange[] {
  const map = parsed.doc.getIn(path, true);
  if (!isMap(map)) return [];
  const pair = findPair(map, key);
  if (!pair) return [];
  if (map.items.length === 1 && path.length > 0) {
    return dropEmpty ? deletePair(parsed, path.slice(0, -1), String(path[path.length - 1])) : replaceNode(parsed, path, map, {});
  }
  if (map.flow) {
    const json = { ...(map.toJSON() as Record<string, unknown>) };
    delete json[key];
    return replaceNode(parsed, path, map, json);
  }
  const [from, to] = pairSpan(parsed.text, pair);
  if (from !== lineStart(parsed.text, from)) {
    // `- first: 1\n  second: 2` → `- second: 2`: the item's next key moves up to the `- `.
    const next = map.items[map.items.indexOf(pair) + 1]?.key as Node | undefined;
    return next?.range ? [{ from, to: next.range[0], insert: '' }] : [];
  }
  return [{ from, to, insert: '' }];
}

/** Renames a key of the mapping at path in place (same position, same value). */
export function renameKey(parsed: ParsedPipeline, path: Path, from: string, to: string): TextChange[] {
  const map = parsed.doc.getIn(path, true);
  const pair = isMap(map) ? findPair(map, from) : undefined;
  const key = pair?.key as Node | undefined;
  if (!key?.range) return [];
  return [{ from: key.range[0], to: key.range[1], insert: inlineYaml(to) }];
}

/** Replaces one scalar's source text (keeps its trailing comment). */
export function replaceScalar(node: Node, insert: string): TextChange {
  return { from: node.range![0], to: node.range![1], insert };
}

export function findPair(map: YAMLMap<unknown, unknown>, key: string): Pair<unknown, unknown> | undefined {
  return map.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
}

function replaceNode(parsed: ParsedPipeline, path: Path, node: Node, value: unknown): TextChange[] {
  if (!node.range || path.length === 0) throw new Error(`cannot edit ${path.join('.') || 'the document'} in place`);
  // A flow or empty collection is one value on its key's line: write the new one inline there.
  return setPair(parsed, path.slice(0, -1), String(path[path.length - 1]), value);
}

/**
 * [start of the key's line, end of the value's last line]: the lines the pair occupies; from the key itself when an
 * indicator comes before it on its line (the first key of a list item, after `- `).
 */
function pairSpan(text: string, pair: Pair<unknown, unknown>): [number, number] {
  const key = pair.key as Node;
  const value = pair.value as Node | null;
  const line = lineStart(text, key.range![0]);
  const start = text.slice(line, key.range![0]).trim() === '' ? line : key.range![0];
  const last = value?.range ? Math.max(value.range[1] - 1, value.range[0]) : key.range![1];
  return [start, lineEnd(text, last)];
}

function pairText(key: string, value: unknown, indent: number, block: boolean): string {
  const yaml = new Document({ [key]: value }).toString({ collectionStyle: block ? 'block' : 'flow', lineWidth: 0 });
  const pad = ' '.repeat(indent);
  const lines = block ? yaml : `${inlineYaml(key)}: ${inlineYaml(value)}\n`;
  return lines.replace(/\n$/, '').split('\n').map((l) => pad + l).join('\n') + '\n';
}

function lineStart(text: string, pos: number): number {
  return text.lastIndexOf('\n', pos - 1) + 1;
}

function lineEnd(text: string, pos: number): number {
  const newline = text.indexOf('\n', pos);
  return newline < 0 ? text.length : newline + 1;
}

/** The 0-based column of `pos`: the indentation of a key that starts there. */
export function column(text: string, pos: number): number {
  return pos - lineStart(text, pos);
}

/**
 * Appends `value` to the list at path: a block list gets one more `- ` item in its own style (a mapping as one line per
 * key, nested values inline); a missing, empty or flow list is written again as a block list with it.
 */
export function appendItem(parsed: ParsedPipeline, path: Path, value: unknown): TextChange[] {
  const { text } = parsed;
  const seq = parsed.doc.getIn(path, true);
  if (!isSeq(seq) || seq.flow || seq.items.length === 0 || !seq.range) {
    const existing = isSeq(seq) ? (seq.toJSON() as unknown[]) : [];
    return setPair(parsed, path.slice(0, -1), String(path[path.length - 1]), [...existing, value], true);
  }
  const first = (seq.items[0] as Node).range![0];
  const prefix = text.slice(lineStart(text, first), first); // `  - `
  const entries = value !== null && typeof value === 'object' && !Array.isArray(value)
    ? Object.entries(value).map(([k, v]) => `${inlineYaml(k)}: ${inlineYaml(v)}`)
    : [inlineYaml(value)];
  const item = entries.map((line, i) => (i === 0 ? prefix : ' '.repeat(prefix.length)) + line).join('\n') + '\n';
  const end = seq.range[1];
  return [{ from: end, to: end, insert: (end === 0 || text[end - 1] === '\n' ? '' : '\n') + item }];
}

/** Removes item `index` of the list at path (its lines, in a block list); the last item takes its key with it. */
export function deleteItem(parsed: ParsedPipeline, path: Path, index: number): TextChange[] {
  const seq = parsed.doc.getIn(path, true);
  if (!isSeq(seq) || index < 0 || index >= seq.items.length) return [];
  if (seq.items.length === 1) return deletePair(parsed, path.slice(0, -1), String(path[path.length - 1]));
  if (seq.flow) {
    const rest = (seq.toJSON() as unknown[]).filter((_, i) => i !== index);
    return setPair(parsed, path.slice(0, -1), String(path[path.length - 1]), rest);
  }
  const item = seq.items[index] as Node;
  const from = lineStart(parsed.text, item.range![0]);
  return [{ from, to: lineEnd(parsed.text, Math.max(item.range![1] - 1, item.range![0])), insert: '' }];
}
