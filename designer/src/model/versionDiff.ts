// Two versions of a pipeline compared step by step: the union of their steps, each added (in B only), removed (in A
// only), changed (the same id, another value: uses, with, needs, when...) or unchanged, with the fields that differ;
// the union of their edges; the pipeline's own fields (params, metadata...) that differ. Values are compared as the
// YAML reads them, so comments, quoting, key order and layout never count as a change. Steps are matched by id: a
// renamed step is one removed and one added. Pure: no React, no DOM.
import type { Document } from 'yaml';
import { parsePipeline, type Edge, type PipelineGraph, type StepNode } from './pipelineGraph';

export type StepStatus = 'added' | 'removed' | 'changed' | 'unchanged';

export interface StepDiff {
  id: string;
  status: StepStatus;
  /** The step's fields that differ, one level deep (`uses`, `needs`, `with.message`); empty unless changed. */
  fields: string[];
  /** The step as B has it, or as A had it when removed. */
  step: StepNode;
}

export interface EdgeDiff extends Edge {
  status: 'added' | 'removed' | 'unchanged';
}

export interface VersionDiff {
  /** The union of the steps: B's in B's order, each removed step after the one it followed in A. */
  steps: StepDiff[];
  edges: EdgeDiff[];
  counts: Record<StepStatus, number>;
  /** The pipeline's fields other than `steps` that differ, one level deep (`params.who`, `metadata.description`). */
  pipelineFields: string[];
  /** The union as a graph, for the layout and the canvas. */
  graph: PipelineGraph;
  /** Syntax errors that kept part of A or B from being read: the comparison covers what could be. */
  unreadable: string[];
}

export const stepStatuses: StepStatus[] = ['added', 'removed', 'changed', 'unchanged'];

export function diffVersions(before: string, after: string): VersionDiff {
  const a = parsePipeline(before);
  const b = parsePipeline(after);
  const [aJson, bJson] = [readJson(a.doc), readJson(b.doc)];
  const [aBodies, bBodies] = [stepsOf(aJson), stepsOf(bJson)];
  const aSteps = new Map(a.graph.steps.map((s) => [s.id, s]));
  const bIds = new Set(b.graph.steps.map((s) => s.id));

  const compared = (step: StepNode): StepDiff => {
    if (!aSteps.has(step.id)) return { id: step.id, status: 'added', fields: [], step };
    const fields = differences(normaliseStep(aBodies[step.id]), normaliseStep(bBodies[step.id]));
    return { id: step.id, status: fields.length ? 'changed' : 'unchanged', fields, step };
  };
  const steps = b.graph.steps.map(compared);
  // Each removed step goes after the step it followed in A (or first), so the union reads like both files.
  let previous = -1;
  for (const step of a.graph.steps) {
    const at = steps.findIndex((s) => s.id === step.id);
    if (bIds.has(step.id)) {
      previous = at;
      continue;
    }
    steps.splice(previous + 1, 0, { id: step.id, status: 'removed', fields: [], step });
    previous += 1;
  }

  const edgeKey = (e: Edge) => `${e.kind}:${e.source}>${e.target}`;
  const aEdges = new Set(a.graph.edges.map(edgeKey));
  const bEdges = new Set(b.graph.edges.map(edgeKey));
  const edges: EdgeDiff[] = [
    ...b.graph.edges.map((e) => ({ ...e, status: aEdges.has(edgeKey(e)) ? 'unchanged' as const : 'added' as const })),
    ...a.graph.edges.filter((e) => !bEdges.has(edgeKey(e))).map((e) => ({ ...e, status: 'removed' as const })),
  ];

  const counts: Record<StepStatus, number> = { added: 0, removed: 0, changed: 0, unchanged: 0 };
  for (const s of steps) counts[s.status] += 1;

  const unreadable = [
    ...firstError('A', a.graph),
    ...firstError('B', b.graph),
  ];
  return {
    steps,
    edges,
    counts,
    pipelineFields: differences(withoutSteps(aJson), withoutSteps(bJson)),
    graph: { name: b.graph.name ?? a.graph.name, steps: steps.map((s) => s.step), edges, params: b.graph.params, problems: [] },
    unreadable,
  };
}

/** The document as the YAML reads it (comments and layout gone, aliases resolved), or null when it cannot be read. */
function readJson(doc: Document.Parsed): Record<string, unknown> | null {
  try {
    const json = doc.toJSON() as unknown;
    return isObject(json) ? json : null;
  } catch {
    return null; // an alias of no anchor: the syntax error says so
  }
}

const stepsOf = (json: Record<string, unknown> | null): Record<string, unknown> => (isObject(json?.steps) ? json.steps : {});

/** `needs` is a set: one name or a list, in any order, says the same. */
function normaliseStep(body: unknown): Record<string, unknown> {
  if (!isObject(body)) return body === null || body === undefined ? {} : { value: body };
  if (body.needs === undefined) return body;
  const names = (Array.isArray(body.needs) ? body.needs : [body.needs]).map(String);
  return { ...body, needs: [...new Set(names)].sort() };
}

function withoutSteps(json: Record<string, unknown> | null): Record<string, unknown> {
  const { steps: _, ...rest } = json ?? {};
  return rest;
}

/** The keys whose values differ, and the keys below them where both sides are mappings (`with.message`), to `depth`. */
function differences(a: Record<string, unknown>, b: Record<string, unknown>, depth = 1): string[] {
  const fields: string[] = [];
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const [x, y] = [a[key], b[key]];
    if (same(x, y)) continue;
    if (depth > 0 && isObject(x) && isObject(y)) fields.push(...differences(x, y, depth - 1).map((sub) => `${key}.${sub}`));
    else fields.push(key);
  }
  return fields;
}

function same(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

/** JSON with the keys of every mapping sorted: two values read alike exactly when their canonical texts are equal. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    isObject(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v === undefined ? null : v);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function firstError(side: 'A' | 'B', graph: PipelineGraph): string[] {
  const error = graph.problems.find((p) => p.code === 'YAML');
  return error ? [`${side} has a YAML error at line ${error.line}: ${error.message}`] : [];
}

/**
 * The pair to compare first: the latest version against the editor's text, or, when the text is that version, the
 * version before it against it. `versions` newest first; `latestIsText`: the newest live version holds the text.
 */
export function defaultPair(versions: { version: number; retractedAt: string | null }[], latestIsText: boolean): { a: number | 'text'; b: number | 'text' } | null {
  if (versions.length === 0) return null;
  const latest = versions.find((v) => !v.retractedAt) ?? versions[0];
  if (!latestIsText) return { a: latest.version, b: 'text' };
  const previous = versions.find((v) => v.version < latest.version);
  return previous ? { a: previous.version, b: latest.version } : { a: latest.version, b: 'text' };
}

/** The hash the server gives a version (`DefinitionContent.Hash`): SHA-256 hex of the text with `\n` line endings. */
export async function contentHash(text: string): Promise<string> {
  const normalised = text.replace(/\r\n?/g, '\n');
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(normalised));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}
