// YAML text → the graph the canvas draws: steps in document order, explicit `needs` edges, edges implied by
// `${{ steps.X... }}` reads, params, and problems found while reading (YAML syntax, needs of unknown steps), each located
// at a line so it shows on the step and in the YAML view. Pure: no React, no DOM.
import { isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
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
  doc: Document.Parsed;
  lines: LineCounter;
  graph: PipelineGraph;
}

export function parsePipeline(text: string): ParsedPipeline {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, keepSourceTokens: false, uniqueKeys: false, prettyErrors: false });
  const at = (offset: number) => lines.linePos(offset);
  const problems: Problem[] = doc.errors.map((e) => {
    const { line, col } = at(e.pos[0]);
    return { code: 'YAML', message: e.message.split('\n')[0], line, column: col, severity: 'error' };
  });

  const steps: StepNode[] = [];
  const edges: Edge[] = [];
  const stepsMap = doc.get('steps', true);
  if (isMap(stepsMap)) {
    for (const pair of stepsMap.items) {
      const step = readStep(pair as Pair<Node, Node>, at);
      if (step) steps.push(step.node), edges.push(...step.edges);
    }
  }

  const ids = new Set(steps.map((s) => s.id));
  for (const step of steps) {
    for (const need of step.needs) {
      if (!ids.has(need)) {
        problems.push({ code: 'DESIGNER', message: `step '${step.id}' needs unknown step '${need}'`, line: step.firstLine, column: 1, severity: 'error' });
      }
    }
  }

  const graph: PipelineGraph = {
    name: scalarText(doc.getIn(['metadata', 'name'], true)),
    steps,
    edges: edges.filter((e) => ids.has(e.source)),
    params: readParams(doc),
    problems: problems.map((p) => ({ ...p, step: stepAtLine(steps, p.line) })),
  };
  return { text, doc, lines, graph };
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
