// Copy and paste of steps as YAML text. Copy takes the steps' blocks byte for byte (their comments and the comment
// lines just above them included), so the clipboard pastes into the YAML view or another editor as it is. Paste reads
// steps from such text (or from a whole pipeline), gives each an id free in the target, rewrites the pasted steps'
// needs and `${{ steps.ID }}` reads among themselves to the new ids, and appends them at the end of `steps:` as text,
// re-indented to the target's step indentation: every byte of the target stays, and so do the pasted blocks' own.
import { isMap, isScalar, parseDocument, type Node, type Pair, type YAMLMap } from 'yaml';
import { removeNeed, renameStep, stepIdPattern } from './pipelineEdits';
import { parsePipeline, type ParsedPipeline } from './pipelineGraph';
import { applyChanges, column, type TextChange } from './textEdits';

export interface PasteResult {
  changes: TextChange[];
  /** The ids the pasted steps have in the target, in order. */
  ids: string[];
  /** What happened, for the status line: renames and needs dropped. */
  message: string;
}

/** A step's text as stored: its lines from the first comment line just above its key to its last line. */
interface StepBlock {
  id: string;
  lines: string[];
  /** The column of the step's key: what the lines are indented by. */
  indent: number;
}

/** The YAML blocks of the steps `ids` (in document order), as they are in the text; '' when none is a step. */
export function copySteps(parsed: ParsedPipeline, ids: readonly string[]): string {
  const steps = parsed.doc.get('steps', true);
  if (!isMap(steps)) return '';
  const wanted = new Set(ids);
  return blocksOf(parsed.text, steps).filter((b) => wanted.has(b.id)).map((b) => b.lines.join('')).join('');
}

/**
 * Pastes the steps of `clipboard` into the pipeline as new steps at the end of `steps:`. Throws an Error that says what
 * is wrong (not YAML, no steps in it, an id the format does not allow) and what to copy instead.
 */
export function pasteSteps(target: ParsedPipeline, clipboard: string): PasteResult {
  const blocks = readBlocks(clipboard);
  const taken = new Set([...target.graph.steps.map((s) => s.id), ...blocks.map((b) => b.id)]);
  const renames: [string, string][] = [];
  for (const block of blocks) {
    if (!target.graph.steps.some((s) => s.id === block.id)) continue;
    const fresh = freeId(block.id, taken);
    taken.add(fresh);
    renames.push([block.id, fresh]);
  }

  // The pasted steps on their own, as a pipeline of their own: the renames and needs edits of pipelineEdits then
  // apply to them alone (a read of a step that is not pasted keeps pointing at the target's step).
  let pasted = parsePipeline(`steps:\n${blocks.map((b) => reindent(b, 2)).join('')}`);
  for (const [from, to] of renames) pasted = parsePipeline(applyChanges(pasted.text, renameStep(pasted, from, to)));
  const known = new Set([...target.graph.steps.map((s) => s.id), ...pasted.graph.steps.map((s) => s.id)]);
  const dropped: string[] = [];
  for (const step of pasted.graph.steps) {
    for (const need of step.needs.filter((n) => !known.has(n))) {
      pasted = parsePipeline(applyChanges(pasted.text, removeNeed(pasted, step.id, need)));
      dropped.push(`${step.id} needed ${need}`);
    }
  }

  const ids = pasted.graph.steps.map((s) => s.id);
  const body = blocksOf(pasted.text, pasted.doc.get('steps', true) as YAMLMap<unknown, unknown>);
  const changes = appendToSteps(target, body);
  const renamed = renames.map(([from, to]) => `${from} → ${to}`);
  const message = `pasted ${ids.length === 1 ? 'step' : `${ids.length} steps`} ${ids.join(', ')}`
    + (renamed.length ? ` (renamed ${renamed.join(', ')}: the ids were taken)` : '')
    + (dropped.length ? `; dropped needs of steps that exist nowhere here: ${dropped.join(', ')}` : '');
  return { changes, ids, message };
}

/** `train` → `train_2` (ids allow no `-`), `train_2` → `train_3`: the first not in `taken`. */
export function freeId(id: string, taken: ReadonlySet<string>): string {
  const numbered = /^(.*)_(\d+)$/.exec(id);
  const [base, start] = numbered ? [numbered[1], Number(numbered[2]) + 1] : [id, 2];
  for (let n = start; ; n++) {
    const candidate = `${base}_${n}`.slice(-63);
    if (!taken.has(candidate)) return candidate;
  }
}

/** The step blocks of clipboard text: a pipeline's `steps:`, or a mapping of step ids to steps (what copy writes). */
function readBlocks(clipboard: string): StepBlock[] {
  const doc = parseDocument(clipboard, { uniqueKeys: false });
  if (doc.errors.length > 0) {
    throw new Error(`the clipboard is not YAML the designer can paste (${doc.errors[0].message.split('\n')[0]}): copy steps on the canvas with Ctrl+C, or their YAML blocks`);
  }
  const root = doc.contents;
  const inner = isMap(root) ? root.get('steps', true) : null;
  const steps = isMap(inner) ? inner : root;
  const isStep = (p: Pair<unknown, unknown>) => isScalar(p.key) && isMap(p.value) && p.value.has('uses');
  if (!isMap(steps) || steps.items.length === 0 || !steps.items.every(isStep)) {
    throw new Error('the clipboard holds no steps: copy steps on the canvas with Ctrl+C, or YAML such as "train:\\n  uses: train.lora@1"');
  }
  const bad = steps.items.map((p) => String((p.key as { value: unknown }).value)).find((id) => !stepIdPattern.test(id));
  if (bad !== undefined) throw new Error(`'${bad}' is not a step id (a lower-case letter, then letters, digits or _): rename it before pasting`);
  return blocksOf(clipboard, steps);
}

function blocksOf(text: string, steps: YAMLMap<unknown, unknown>): StepBlock[] {
  const lines = text.split(/(?<=\n)/);
  const starts: number[] = [];
  for (let i = 0, at = 0; i < lines.length; at += lines[i].length, i++) starts.push(at);
  const lineOf = (pos: number) => {
    let i = starts.length - 1;
    while (i > 0 && starts[i] > pos) i--;
    return i;
  };

  let floor = 0; // no block reaches above the end of the step before it
  return steps.items.map((pair) => {
    const key = pair.key as Node;
    const value = pair.value as Node | null;
    const first = lineOf(key.range![0]);
    const end = value?.range ? Math.max(value.range[1] - 1, key.range![1]) : key.range![1];
    const last = lineOf(end);
    // The comment lines right above the key belong to the step (`# 6. LoRA fine-tuning, ...`).
    let top = first;
    while (top - 1 >= floor && /^\s*#/.test(lines[top - 1])) top--;
    floor = last + 1;
    const block = lines.slice(top, last + 1);
    if (!block[block.length - 1].endsWith('\n')) block[block.length - 1] += '\n';
    return { id: String((key as { value?: unknown }).value), lines: block, indent: key.range![0] - starts[first] };
  });
}

/** The block's lines moved from its own indentation to `indent` columns (blank lines stay empty; nothing else moves). */
function reindent(block: StepBlock, indent: number): string {
  const pad = ' '.repeat(indent);
  return block.lines.map((line) => {
    if (line.trim() === '') return line.replace(/^[ \t]+/, '');
    const own = /^ */.exec(line)![0].length;
    return pad + line.slice(Math.min(own, block.indent));
  }).join('');
}

/** Changes that append the blocks at the end of the target's `steps:` (made a block mapping when it is `{}` or missing). */
function appendToSteps(target: ParsedPipeline, blocks: StepBlock[]): TextChange[] {
  const { text } = target;
  const steps = target.doc.get('steps', true);
  if (isMap(steps) && !steps.flow && steps.items.length > 0 && steps.range) {
    const indent = column(text, (steps.items[0].key as Node).range![0]);
    const end = steps.range[1];
    const insert = blocks.map((b) => reindent(b, indent)).join('');
    return [{ from: end, to: end, insert: (end === 0 || text[end - 1] === '\n' ? '' : '\n') + insert }];
  }

  const body = blocks.map((b) => reindent(b, 2)).join('');
  const pair = isMap(target.doc.contents) ? target.doc.contents.items.find((p) => isScalar(p.key) && p.key.value === 'steps') : undefined;
  if (pair) {
    const value = pair.value as Node | null;
    if (isMap(value) && value.items.length > 0) {
      throw new Error('steps: is written as a flow mapping ({ ... }) here: write it as a block, one step per line, to paste into it');
    }
    if (value !== null && !isMap(value) && !(isScalar(value) && value.value === null)) {
      throw new Error('steps: is not a mapping of step ids to steps: fix it in the YAML, then paste');
    }
    // `steps: {}  # comment` → `steps:  # comment`, then the blocks on the lines after it.
    const after = isMap(value) && value.range ? value.range[1] : (pair.key as Node).range![1];
    const lineEnd = text.indexOf('\n', after);
    const at = lineEnd < 0 ? text.length : lineEnd + 1;
    return [
      ...(isMap(value) && value.range ? [{ from: trimStart(text, value.range[0], (pair.key as Node).range![1]), to: value.range[1], insert: '' }] : []),
      { from: at, to: at, insert: (lineEnd < 0 ? '\n' : '') + body },
    ];
  }
  const end = text.length;
  return [{ from: end, to: end, insert: `${end === 0 || text.endsWith('\n') ? '' : '\n'}steps:\n${body}` }];
}

/** `from` moved back over the spaces before it (not before `floor`). */
function trimStart(text: string, from: number, floor: number): number {
  while (from > floor && text[from - 1] === ' ') from--;
  return from;
}
