// YAML text → the graph the canvas draws: steps in document order, explicit `needs` edges, edges implied by
// `${{ steps.X... }}` reads, params, and problems found while reading (YAML syntax, needs of unknown steps), each located
// at a line so it shows on the step and in the YAML view. Pure: no React, no DOM.
import { isAlias, isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import { stepsReadBy } from './expressions';

export interface StepNode {
  id: string;
  uses: string | null;
  name: string | null;
  /** The 1-based lines of the step, from its key to its last line; problems inside them belong to the step. */
  firstLine: number;
  lastLine: number;
  needs: string[];
  matrixKeys: string[];
}

export interface Edge {
  source: string;
  target: string;
  /** `needs`: written in `needs`; `expression`: implied by a `${{ steps.SOURCE... }}` read. */
  kind: 'needs' | 'expression';
}

export interface Problem {
  code: string;
  message: string;
  line: number;
  column: number;
  severity: 'error' | 'warning';
  hint?: string | null;
  /** The step whose lines hold the problem, when one does. */
  step?: string | null;
}

export interface ParamInfo {
  name: string;
  type: string | null;
  default: unknown;
  description: string | null;
}

export interface PipelineGraph {
  name: string | null;
  steps: StepNode[];
  edges: Edge[];
  params: ParamInfo[];
  problems: Problem[];
}

export interface ParsedPipeline {
  text: string;
  /** The whole document, read when first asked for (a keystroke inside one step reads only that step; see below). */
  readonly doc: Document.Parsed;
  readonly lines: LineCounter;
  graph: PipelineGraph;
}

const options = { keepSourceTokens: false, uniqueKeys: false, prettyErrors: false } as const;

/** A step's block of text: from its key's line to the next step's (comments and blank lines after it included). */
interface Block {
  id: string;
  start: number;
  /** Where the key's line ends: an edit before it may rename the step or start another. */
  keyLineEnd: number;
  end: number;
  /** Its `needs` and its `${{ steps.X }}` reads, before reads of unknown steps are dropped. */
  edges: Edge[];
}

/** How a text's steps lie in it, for reading the next text one step at a time; null when it cannot be (see `reread`). */
interface StepIndex {
  blocks: Block[];
  /** Where the line of the first top-level key after `steps` starts (the text's end when none). */
  stepsEnd: number;
}

class Parsed implements ParsedPipeline {
  #doc: Document.Parsed | undefined;
  #lines: LineCounter | undefined;
  constructor(readonly text: string, readonly graph: PipelineGraph, readonly index: StepIndex | null,
    /** Read from the previous text one step at a time. */
    readonly incremental: boolean, doc?: Document.Parsed, lines?: LineCounter) {
    this.#doc = doc;
    this.#lines = lines;
  }

  /** Hands this reading's document, if it was read, to the next text's reading, which changes it in place. */
  takeDocument(): Document.Parsed | undefined {
    const doc = this.#doc;
    this.#doc = this.#lines = undefined; // read again from the text if this reading is ever asked for it
    return doc;
  }

  get doc(): Document.Parsed {
    return (this.#doc ??= parseDocument(this.text, { ...options, lineCounter: (this.#lines = new LineCounter()) }));
  }

  get lines(): LineCounter {
    if (!this.#lines) void this.doc;
    return this.#lines!;
  }
}

/**
 * Reads `text`. Given the previous text's reading, an edit that stays inside the body of one step (the common case:
 * typing in the YAML view) re-reads only that step's block and shifts the others, which on 500 steps is some 40 times
 * less work; the whole document is then read only if something asks for it. Anything else (a step renamed, added or
 * removed, an edit outside the steps, a syntax error, anchors) reads the whole text, so both ways give the same graph.
 */
export function parsePipeline(text: string, previous?: ParsedPipeline): ParsedPipeline {
  return (previous instanceof Parsed && reread(text, previous)) || parseWhole(text);
}

/** Whether `parsed` was read one step at a time from the text before it (the tests compare both ways). */
export const readIncrementally = (parsed: ParsedPipeline) => parsed instanceof Parsed && parsed.incremental;

function parseWhole(text: string): Parsed {
  const lines = new LineCounter();
  const doc = parseDocument(text, { ...options, lineCounter: lines });
  const at = (offset: number) => lines.linePos(offset);
  const problems: Problem[] = doc.errors.map((e) => {
    const { line, col } = at(e.pos[0]);
    return { code: 'YAML', message: e.message.split('\n')[0], line, column: col, severity: 'error' };
  });

  const steps: StepNode[] = [];
  const blocks: Block[] = [];
  const stepsMap = doc.get('steps', true);
  const lineStart = (offset: number) => text.lastIndexOf('\n', offset - 1) + 1;
  if (isMap(stepsMap)) {
    for (const pair of stepsMap.items) {
      const step = readStep(pair as Pair<Node, Node>, at);
      if (!step) continue;
      steps.push(step.node);
      const key = (pair.key as Node).range![0];
      const newline = text.indexOf('\n', key);
      blocks.push({ id: step.node.id, start: lineStart(key), keyLineEnd: newline < 0 ? text.length : newline, end: 0, edges: step.edges });
    }
  }

  const top = isMap(doc.contents) ? doc.contents.items : [];
  const after = top[top.findIndex((p) => isScalar(p.key) && p.key.value === 'steps') + 1]?.key as Node | undefined;
  const stepsEnd = after?.range ? lineStart(after.range[0]) : text.length;
  blocks.forEach((b, i) => (b.end = blocks[i + 1]?.start ?? stepsEnd));
  // Read one step at a time only what is plain: block-style steps, no syntax errors, no anchors or aliases (an alias
  // may read another step's text).
  const plain = isMap(stepsMap) && !stepsMap.flow && doc.errors.length === 0 && doc.warnings.length === 0 &&
    blocks.length === stepsMap.items.length && !hasAnchors(stepsMap) && blocks.every((b, i) => i === 0 || b.start >= blocks[i - 1].keyLineEnd);

  const graph = assemble(steps, blocks, problems, scalarText(doc.getIn(['metadata', 'name'], true)), readParams(doc));
  return new Parsed(text, graph, plain ? { blocks, stepsEnd } : null, false, doc, lines);
}

/** The graph from its steps: edges among known steps, a problem for each need of an unknown one. */
function assemble(steps: StepNode[], blocks: Block[], yamlProblems: Problem[], name: string | null, params: ParamInfo[]): PipelineGraph {
  const problems = [...yamlProblems];
  const ids = new Set(steps.map((s) => s.id));
  for (const step of steps) {
    for (const need of step.needs) {
      if (!ids.has(need)) {
        problems.push({ code: 'DESIGNER', message: `step '${step.id}' needs unknown step '${need}'`, line: step.firstLine, column: 1, severity: 'error' });
      }
    }
  }

  return {
    name,
    steps,
    edges: blocks.flatMap((b) => b.edges).filter((e) => ids.has(e.source)),
    params,
    problems: problems.map((p) => ({ ...p, step: stepAtLine(steps, p.line) })),
  };
}

/** `text` read from `previous` when it differs from it inside one step's body only; null when it must be read whole. */
function reread(text: string, previous: Parsed): Parsed | null {
  const index = previous.index;
  const before = previous.text;
  if (!index || index.blocks.length === 0) return null;
  // The one changed stretch: [from, before.length - tail) became [from, text.length - tail).
  const shortest = Math.min(before.length, text.length);
  let from = 0;
  while (from < shortest && before.charCodeAt(from) === text.charCodeAt(from)) from++;
  let tail = 0;
  while (tail < shortest - from && before.charCodeAt(before.length - 1 - tail) === text.charCodeAt(text.length - 1 - tail)) tail++;
  const oldTo = before.length - tail;
  const k = index.blocks.findIndex((b) => from > b.keyLineEnd && from < b.end);
  if (k < 0 || oldTo > index.blocks[k].end) return null;
  const delta = text.length - before.length;
  const old = index.blocks[k];
  // The block must still end a line: a newline deleted at its end joins the next step's key to it.
  if (old.end + delta < text.length && text.charCodeAt(old.end + delta - 1) !== 10) return null;

  const blockText = text.slice(old.start, old.end + delta);
  const blockDoc = parseDocument(blockText, options);
  const root = blockDoc.contents;
  const pair = isMap(root) && !root.flow && root.items.length === 1 ? (root.items[0] as Pair<Node, Node>) : null;
  if (!pair || blockDoc.errors.length > 0 || blockDoc.warnings.length > 0 || !isScalar(pair.key) || String(pair.key.value) !== old.id ||
    hasAnchors(root!)) return null;

  const lines = lineCounter(text);
  moveRanges(root, (p) => p + old.start);
  const step = readStep(pair, lines.linePos);
  if (!step) return null;
  const shift = count(text, '\n', old.start, old.end + delta) - count(before, '\n', old.start, old.end);
  const steps = previous.graph.steps.map((s, i) => (i < k ? s : i === k ? step.node : shift === 0 ? s : { ...s, firstLine: s.firstLine + shift, lastLine: s.lastLine + shift }));
  const blocks = index.blocks.map((b, i) => (i < k ? b : i === k ? { ...b, end: b.end + delta, edges: step.edges }
    : { ...b, start: b.start + delta, keyLineEnd: b.keyLineEnd + delta, end: b.end + delta }));
  const graph = assemble(steps, blocks, [], previous.graph.name, previous.graph.params);
  // The document, when the previous text's was read: the same nodes, those after the edit moved, the step's new pair
  // in its old one's place (a few milliseconds, against reading 500 steps again).
  const doc = previous.takeDocument();
  if (doc) {
    if (doc.range) doc.range = [doc.range[0], doc.range[1] + delta, doc.range[2] + delta];
    moveRanges(doc.contents, (p) => (p >= oldTo ? p + delta : p), oldTo);
    (doc.get('steps', true) as YAMLMap).items[k] = pair;
  }
  return new Parsed(text, graph, { blocks, stepsEnd: index.stepsEnd + delta }, true, doc, doc && lines);
}

/** Moves the positions `node` and the nodes in it record, skipping what ends before `from` (none of it moves). */
function moveRanges(node: unknown, move: (position: number) => number, from = 0) {
  if (!isNode(node) || !node.range || node.range[2] < from) return;
  node.range = [move(node.range[0]), move(node.range[1]), move(node.range[2])];
  if (isMap(node)) {
    for (const pair of node.items) {
      moveRanges(pair.key, move, from);
      moveRanges(pair.value, move, from);
    }
  } else if (isSeq(node)) {
    for (const item of node.items) moveRanges(item, move, from);
  }
}

function hasAnchors(node: unknown): boolean {
  if (isAlias(node)) return true;
  if (!isNode(node)) return false;
  if (node.anchor) return true;
  if (isMap(node)) return node.items.some((pair) => hasAnchors(pair.key) || hasAnchors(pair.value));
  return isSeq(node) && node.items.some(hasAnchors);
}

/** Where each line of `text` starts, as the parser would have counted them. */
function lineCounter(text: string): LineCounter {
  const lines = new LineCounter();
  lines.addNewLine(0);
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines.addNewLine(i + 1);
  return lines;
}

function count(text: string, char: string, from: number, to: number): number {
  let n = 0;
  for (let i = text.indexOf(char, from); i >= 0 && i < to; i = text.indexOf(char, i + 1)) n++;
  return n;
}

/** The step whose lines hold <paramref name="line"/>, or null (a problem outside the steps). */
export function stepAtLine(steps: StepNode[], line: number): string | null {
  return steps.find((s) => line >= s.firstLine && line <= s.lastLine)?.id ?? null;
}

function readStep(pair: Pair<Node, Node>, at: (offset: number) => { line: number; col: number }): { node: StepNode; edges: Edge[] } | null {
  if (!isScalar(pair.key) || !pair.key.range) return null;
  const id = String(pair.key.value);
  const body = isMap(pair.value) ? (pair.value as YAMLMap<unknown, unknown>) : null;
  const end = pair.value?.range?.[1] ?? pair.key.range[1];
  const needsNode = body?.get('needs', true);
  const needs = isSeq(needsNode) ? needsNode.items.map(scalarText).filter((n): n is string => !!n) : isScalar(needsNode) ? [String(needsNode.value)] : [];
  const matrix = body?.get('matrix', true);

  const edges: Edge[] = needs.map((n) => ({ source: n, target: id, kind: 'needs' as const }));
  const read = new Set<string>();
  if (body) {
    visit(body, {
      Scalar(_, scalar) {
        if (typeof scalar.value === 'string') for (const s of stepsReadBy(scalar.value)) read.add(s);
      },
    });
  }
  for (const source of read) {
    if (source !== id && !needs.includes(source)) edges.push({ source, target: id, kind: 'expression' });
  }

  return {
    node: {
      id,
      uses: scalarText(body?.get('uses', true)),
      name: scalarText(body?.get('name', true)),
      firstLine: at(pair.key.range[0]).line,
      // A block value's range ends after its last newline: the step's last line is the one before that position.
      lastLine: at(Math.max(pair.key.range[0], end - 1)).line,
      needs,
      matrixKeys: isMap(matrix) ? matrix.items.map((p) => scalarText(p.key)).filter((k): k is string => !!k) : [],
    },
    edges,
  };
}

function readParams(doc: Document.Parsed): ParamInfo[] {
  const params = doc.get('params', true);
  if (!isMap(params)) return [];
  return params.items.flatMap((pair) => {
    const name = scalarText(pair.key);
    if (!name) return [];
    const spec = isMap(pair.value) ? (pair.value.toJSON() as Record<string, unknown>) : {};
    return [{
      name,
      type: typeof spec.type === 'string' ? spec.type : null,
      default: spec.default,
      description: typeof spec.description === 'string' ? spec.description : null,
    }];
  });
}

function scalarText(node: unknown): string | null {
  return isScalar(node) && node.value !== null && node.value !== undefined ? String(node.value) : null;
}
