// What may follow the text before the cursor inside `${{ }}`: the roots of the expression context (DESIGN §2), the
// pipeline's params, the other steps, an activity's outputs (from the catalog), the step's matrix keys. Pure: the
// YAML view wraps it in a CodeMirror completion source.
import { findActivity, type ActivityDescriptor } from './catalog';
import type { PipelineGraph } from './pipelineGraph';

export interface Suggestion {
  label: string;
  detail?: string;
  info?: string;
}

export interface Completion {
  /** Where the word being completed starts, as an offset into `before`. */
  from: number;
  options: Suggestion[];
}

const runFields: Suggestion[] = [
  { label: 'id', detail: 'the run id' },
  { label: 'pipeline', detail: 'the pipeline name' },
  { label: 'version', detail: 'the published version' },
  { label: 'trigger', detail: 'manual, schedule, monitor' },
  { label: 'started', detail: 'when the run started' },
];

/**
 * Suggestions for the member path that ends `before` (the text between `${{` and the cursor), inside step `stepId`.
 * Returns null when the cursor is not after a path (e.g. after an operator's space nothing is typed yet: roots).
 */
export function completeExpression(graph: PipelineGraph, catalog: readonly ActivityDescriptor[], stepId: string | null, before: string): Completion | null {
  const match = /((?:[A-Za-z_][\w]*\s*\.\s*)*)([A-Za-z_]\w*)?$/.exec(before);
  if (!match) return null;
  const path = match[1].split('.').map((s) => s.trim()).filter(Boolean);
  const word = match[2] ?? '';
  const from = before.length - word.length;
  const step = graph.steps.find((s) => s.id === stepId);
  const options = candidates(graph, catalog, step?.id ?? null, path);
  if (options === null) return null;
  return { from, options: options.filter((o) => o.label.startsWith(word)) };
}

function candidates(graph: PipelineGraph, catalog: readonly ActivityDescriptor[], stepId: string | null, path: string[]): Suggestion[] | null {
  const step = graph.steps.find((s) => s.id === stepId);
  const [root, id, member, ...rest] = path;
  if (path.length === 0) {
    return [
      { label: 'params', detail: 'the run\'s params' },
      { label: 'steps', detail: 'outputs and status of other steps' },
      ...(step && step.matrixKeys.length > 0 ? [{ label: 'matrix', detail: 'this execution\'s combination' }] : []),
      { label: 'run', detail: 'id, pipeline, version, trigger, started' },
      { label: 'secrets', detail: 'secrets.NAME (never logged)' },
    ];
  }
  if (root === 'params' && path.length === 1) {
    return graph.params.map((p) => ({ label: p.name, detail: p.type ?? undefined, info: p.description ?? undefined }));
  }
  if (root === 'matrix' && path.length === 1) return (step?.matrixKeys ?? []).map((k) => ({ label: k, detail: 'matrix axis' }));
  if (root === 'run' && path.length === 1) return runFields;
  if (root === 'secrets') return [];
  if (root !== 'steps') return null;
  if (path.length === 1) {
    return graph.steps.filter((s) => s.id !== stepId).map((s) => ({ label: s.id, detail: s.uses ?? undefined, info: s.name ?? undefined }));
  }
  if (path.length === 2) return [{ label: 'outputs', detail: 'what the step produced' }, { label: 'status', detail: 'succeeded, failed, skipped...' }];
  if (member !== 'outputs') return [];
  const upstream = graph.steps.find((s) => s.id === id);
  const outputs = findActivity(catalog, upstream?.uses)?.outputs ?? [];
  const own = outputs.map((o) => ({ label: o.name, detail: o.type, info: o.description ?? undefined }));
  // A matrix step's outputs are `all` (every combination) and `best` (the selected one), each with the activity's outputs.
  if (upstream && upstream.matrixKeys.length > 0) {
    if (rest.length === 0) return [{ label: 'best', detail: 'the selected combination' }, { label: 'all', detail: 'list of every combination' }];
    return rest.length === 1 && rest[0] === 'best' ? own : [];
  }
  return rest.length === 0 ? own : [];
}
