// What the canvas and the property panel do to a pipeline, each as text changes (textEdits.ts) that leave the rest of
// the file as it was. Every function takes the parsed current text and returns the changes; the caller applies them
// (applyChanges, or a CodeMirror transaction) and parses the result again.
import { isMap, isScalar, isSeq, visit, type Node } from 'yaml';
import { renameStepReferences } from './expressions';
import { parsePipeline, type ParsedPipeline } from './pipelineGraph';
import { appendItem, applyChanges, changeBetween, deleteItem, deletePair, renameKey, replaceScalar, setPair, type Path, type TextChange } from './textEdits';

export const stepIdPattern = /^[a-z][a-z0-9_]{0,62}$/;

/** The skeleton a new pipeline starts from. */
export function newPipelineText(name = 'my-pipeline'): string {
  return `apiVersion: pipelines/v1\nkind: Pipeline\nmetadata:\n  name: ${name}\nsteps: {}\n`;
}

/** A free step id derived from the activity (`train.lora@1` → `lora`, then `lora_2`, ...). */
export function uniqueStepId(parsed: ParsedPipeline, uses: string): string {
  const taken = new Set(parsed.graph.steps.map((s) => s.id));
  const base = (uses.split('@')[0].split('.').pop() ?? 'step').toLowerCase().replace(/[^a-z0-9_]/g, '_').replace(/^[^a-z]+/, '') || 'step';
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}_${n}`)) return `${base}_${n}`;
}

export function addStep(parsed: ParsedPipeline, uses: string, id = uniqueStepId(parsed, uses)): { id: string; changes: TextChange[] } {
  return { id, changes: setPair(parsed, ['steps'], id, { uses }, true) };
}

/** Deletes the step and every `needs` entry naming it (expressions that read it stay: the validator reports them). */
export function deleteStep(parsed: ParsedPipeline, id: string): TextChange[] {
  const changes = deletePair(parsed, ['steps'], id, false);
  for (const step of parsed.graph.steps) {
    if (step.id !== id && step.needs.includes(id)) changes.push(...writeNeeds(parsed, step.id, step.needs.filter((n) => n !== id)));
  }
  return changes;
}

/**
 * Deletes a selection on the canvas, steps and `needs` edges (source → target), as one change: each deletion is made on
 * the text the one before left, so none works from stale offsets.
 */
export function deleteSelection(parsed: ParsedPipeline, steps: readonly string[], needs: readonly (readonly [string, string])[] = []): TextChange[] {
  let current = parsed;
  for (const id of steps) current = parsePipeline(applyChanges(current.text, deleteStep(current, id)));
  for (const [source, target] of needs) current = parsePipeline(applyChanges(current.text, removeNeed(current, target, source)));
  return current.text === parsed.text ? [] : [changeBetween(parsed.text, current.text)];
}

/** `target` needs `source`: an explicit edge. Nothing changes when it is already there or would point at itself. */
export function addNeed(parsed: ParsedPipeline, target: string, source: string): TextChange[] {
  const step = parsed.graph.steps.find((s) => s.id === target);
  if (!step || source === target || step.needs.includes(source)) return [];
  return writeNeeds(parsed, target, [...step.needs, source]);
}

export function removeNeed(parsed: ParsedPipeline, target: string, source: string): TextChange[] {
  const step = parsed.graph.steps.find((s) => s.id === target);
  if (!step || !step.needs.includes(source)) return [];
  return writeNeeds(parsed, target, step.needs.filter((n) => n !== source));
}

/** Sets (or, with undefined or '', removes) one input of the step's `with`. */
export function setInput(parsed: ParsedPipeline, id: string, input: string, value: unknown): TextChange[] {
  return isUnset(value) ? deletePair(parsed, ['steps', id, 'with'], input) : setPair(parsed, ['steps', id, 'with'], input, value);
}

/** Sets (or removes) one field of the step itself: `when`, `timeout`, `retry`, `name`, `cache`, ... */
export function setStepField(parsed: ParsedPipeline, id: string, field: string, value: unknown): TextChange[] {
  return isUnset(value) ? deletePair(parsed, ['steps', id], field) : setPair(parsed, ['steps', id], field, value);
}

/** Sets (or removes) one field of a param's spec, e.g. its `default`; adds the param when it is new. */
export function setParamField(parsed: ParsedPipeline, name: string, field: string, value: unknown): TextChange[] {
  const exists = parsed.graph.params.some((p) => p.name === name);
  if (!exists) return isUnset(value) ? [] : setPair(parsed, ['params'], name, { type: 'string', [field]: value });
  return isUnset(value) ? deletePair(parsed, ['params', name], field) : setPair(parsed, ['params', name], field, value);
}

/**
 * Sets (or, with undefined or '', removes) one field of the mapping at `path`: `retry.max` of a step, `resources.gpu`,
 * a field of `defaults` or of a trigger. A missing mapping is written inline with that one field (`retry: { max: 3 }`);
 * removing its last field removes it.
 */
export function setMapField(parsed: ParsedPipeline, path: Path, field: string, value: unknown): TextChange[] {
  if (isUnset(value)) return deletePair(parsed, path, field);
  if (isMap(parsed.doc.getIn(path, true)) || path.length === 0) return setPair(parsed, path, field, value);
  return setPair(parsed, path.slice(0, -1), String(path[path.length - 1]), { [field]: value });
}

/** Sets (or removes) one axis of a step's matrix: a list of values, or an expression that gives one. */
export function setMatrixAxis(parsed: ParsedPipeline, id: string, axis: string, values: unknown): TextChange[] {
  return setMapField(parsed, ['steps', id, 'matrix'], axis, values);
}

/** A new trigger at the end of `triggers:` (made when missing). */
export function addTrigger(parsed: ParsedPipeline, trigger: Record<string, unknown>): TextChange[] {
  return appendItem(parsed, ['triggers'], trigger);
}

export function deleteTrigger(parsed: ParsedPipeline, index: number): TextChange[] {
  return deleteItem(parsed, ['triggers'], index);
}

export function deleteParam(parsed: ParsedPipeline, name: string): TextChange[] {
  return deletePair(parsed, ['params'], name);
}

/**
 * Renames a step where it is defined, in every `needs` naming it and in every `${{ steps.OLD... }}` read, so that the
 * graph stays the same. Throws on an id the format does not allow or one already taken.
 */
export function renameStep(parsed: ParsedPipeline, from: string, to: string): TextChange[] {
  if (!stepIdPattern.test(to)) throw new Error(`'${to}' is not a step id: a lower-case letter, then letters, digits or _`);
  if (from === to) return [];
  if (parsed.graph.steps.some((s) => s.id === to)) throw new Error(`a step '${to}' exists already`);

  const changes = renameKey(parsed, ['steps'], from, to);
  const steps = parsed.doc.get('steps', true);
  if (!isMap(steps)) return changes;
  for (const pair of steps.items) {
    if (!isMap(pair.value)) continue;
    const needs = pair.value.get('needs', true);
    const needItems = isSeq(needs) ? needs.items : [needs];
    for (const item of needItems) {
      if (isScalar(item) && item.value === from && item.range) changes.push(replaceScalar(item, to));
    }
    visit(pair.value, {
      Scalar(_, scalar) {
        if (typeof scalar.value !== 'string' || !scalar.range || needItems.includes(scalar)) return;
        // Edit the scalar's source, not its value: the quoting and folding it was written with stay.
        const source = parsed.text.slice(scalar.range[0], scalar.range[1]);
        const renamed = renameStepReferences(source, from, to);
        if (renamed !== source) changes.push(replaceScalar(scalar as Node, renamed));
      },
    });
  }
  return changes;
}

function writeNeeds(parsed: ParsedPipeline, id: string, needs: string[]): TextChange[] {
  if (needs.length === 0) return deletePair(parsed, ['steps', id], 'needs');
  const old = parsed.doc.getIn(['steps', id, 'needs'], true);
  // One need written as a bare id stays a bare id; otherwise a flow list, the format's own examples' style.
  return setPair(parsed, ['steps', id], 'needs', needs.length === 1 && isScalar(old) ? needs[0] : needs);
}

function isUnset(value: unknown): boolean {
  return value === undefined || value === '';
}
