import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  addNeed, addStep, addTrigger, deleteSelection, deleteStep, deleteTrigger, newPipelineText, removeNeed, renameStep, setInput, setMapField, setMatrixAxis,
  setParamField, setStepField,
} from '../src/model/pipelineEdits';
import { parsePipeline, type ParsedPipeline } from '../src/model/pipelineGraph';
import { applyChanges, changeBetween, type TextChange } from '../src/model/textEdits';

const folder = join(__dirname, '../../pipelines');
const files = readdirSync(folder).filter((f) => f.endsWith('.yaml')).sort();

function edit(parsed: ParsedPipeline, changes: TextChange[]): ParsedPipeline {
  const next = parsePipeline(applyChanges(parsed.text, changes));
  expect(next.graph.problems.filter((p) => p.code === 'YAML')).toEqual([]);
  return next;
}

/** The part of `before` that `after` changed: [from, beforeTo). */
function changedRegion(before: string, after: string): { from: number; beforeTo: number } {
  const { from, to } = changeBetween(before, after);
  return { from, beforeTo: to };
}

/** The text of lines first..last (1-based) of a file. */
function linesOf(text: string, first: number, last: number): [number, number] {
  const starts = [0, ...[...text.matchAll(/\n/g)].map((m) => m.index + 1)];
  return [starts[first - 1], starts[last] ?? text.length];
}

const edges = (p: ParsedPipeline) => p.graph.edges.map((e) => `${e.source}>${e.target}:${e.kind}`).sort();

it('finds the pipelines folder', () => {
  expect(files.length).toBeGreaterThanOrEqual(8);
  expect(files).toContain('tour.yaml');
});

describe.each(files)('%s', (file) => {
  const text = readFileSync(join(folder, file), 'utf8');
  const parsed = parsePipeline(text);

  it('reads the name and every step without a problem', () => {
    expect(parsed.graph.name).toMatch(/^[a-z0-9-]+$/);
    expect(parsed.graph.problems).toEqual([]);
    expect(parsed.graph.steps.length).toBeGreaterThan(0);
    for (const step of parsed.graph.steps) expect(step.uses).toMatch(/^[a-z]+\.[a-z_]+@\d+$/);
  });

  it('adds a step at the end of steps and changes nothing else', () => {
    const { id, changes } = addStep(parsed, 'core.echo@1');
    const after = edit(parsed, changes);
    expect(after.graph.steps.map((s) => s.id)).toEqual([...parsed.graph.steps.map((s) => s.id), id]);
    expect(after.doc.getIn(['steps', id, 'uses'])).toBe('core.echo@1');
    const { from, beforeTo } = changedRegion(text, after.text);
    expect(beforeTo).toBe(from); // a pure insertion: every byte of the file is still there, in order
  });

  it.each(parsed.graph.steps.map((s) => s.id))('deletes step %s, its lines and the needs naming it, and nothing else', (id) => {
    const after = edit(parsed, deleteStep(parsed, id));
    expect(after.graph.steps.map((s) => s.id)).toEqual(parsed.graph.steps.map((s) => s.id).filter((s) => s !== id));
    expect(after.graph.edges.filter((e) => e.kind === 'needs' && e.source === id)).toEqual([]);
    // Every step that did not name it in needs is there byte for byte.
    for (const step of parsed.graph.steps.filter((s) => s.id !== id && !s.needs.includes(id))) {
      const [from, to] = linesOf(text, step.firstLine, step.lastLine);
      expect(after.text).toContain(text.slice(from, to));
    }
  });

  it('renames every step and keeps the graph the same', () => {
    let current = parsed;
    for (const step of parsed.graph.steps) current = edit(current, renameStep(current, step.id, `${step.id}_x`));
    const renamed = edges(parsed).map((e) => e.replace(/^(\w+)>(\w+)/, '$1_x>$2_x'));
    expect(edges(current)).toEqual(renamed);
    expect(current.graph.steps.map((s) => s.uses)).toEqual(parsed.graph.steps.map((s) => s.uses));
    // Comments are where they were.
    expect(current.text.match(/#.*$/gm)).toEqual(text.match(/#.*$/gm));
  });

  it('sets an input of the last step inside that step only', () => {
    const last = parsed.graph.steps[parsed.graph.steps.length - 1];
    const after = edit(parsed, setInput(parsed, last.id, 'designer_probe', 'a: value with ${{ params.x }}'));
    expect(after.doc.getIn(['steps', last.id, 'with', 'designer_probe'])).toBe('a: value with ${{ params.x }}');
    const { from, beforeTo } = changedRegion(text, after.text);
    const [stepFrom, stepTo] = linesOf(text, last.firstLine, last.lastLine);
    expect(from).toBeGreaterThanOrEqual(stepFrom);
    expect(beforeTo).toBeLessThanOrEqual(stepTo);
  });

  it('adds a matrix axis, resources and a select to the last step inside that step only, and removes them to the same text', () => {
    const last = parsed.graph.steps[parsed.graph.steps.length - 1];
    const [stepFrom, stepTo] = linesOf(text, last.firstLine, last.lastLine);
    const hadMatrix = last.matrixKeys.length > 0;
    let after = edit(parsed, setMatrixAxis(parsed, last.id, 'probe_axis', [1, 2]));
    after = edit(after, setMapField(after, ['steps', last.id, 'resources'], 'probe_gpu', 1));
    if (!hadMatrix) after = edit(after, setStepField(after, last.id, 'select', { minimize: '${{ item.loss }}' }));
    expect(after.graph.steps.find((s) => s.id === last.id)?.matrixKeys).toContain('probe_axis');
    expect(after.doc.getIn(['steps', last.id, 'resources', 'probe_gpu'])).toBe(1);
    const { from, beforeTo } = changedRegion(text, after.text);
    expect(from).toBeGreaterThanOrEqual(stepFrom);
    expect(beforeTo).toBeLessThanOrEqual(stepTo);
    if (!hadMatrix) after = edit(after, setStepField(after, last.id, 'select', undefined));
    after = edit(after, setMapField(after, ['steps', last.id, 'resources'], 'probe_gpu', undefined));
    after = edit(after, setMatrixAxis(after, last.id, 'probe_axis', undefined));
    expect(after.text).toBe(text);
  });

  it('adds a trigger, a default and a param field, then removes them, back to the same text', () => {
    let after = edit(parsed, addTrigger(parsed, { schedule: '0 0 3 ? * SUN', timezone: 'UTC' }));
    const triggers = after.doc.toJS().triggers as Record<string, unknown>[];
    expect(triggers[triggers.length - 1]).toEqual({ schedule: '0 0 3 ? * SUN', timezone: 'UTC' });
    // Fields the file does not set, so that removing them gives the file back.
    const timeout = parsed.doc.hasIn(['defaults', 'timeout']) ? 'probe_timeout' : 'timeout';
    after = edit(after, setMapField(after, ['defaults'], timeout, '2h'));
    after = edit(after, setMapField(after, ['defaults', 'resources'], 'probe_pool', 'gpu'));
    expect(after.doc.toJS().defaults).toMatchObject({ [timeout]: '2h', resources: { probe_pool: 'gpu' } });
    const param = parsed.graph.params.find((p) => p.description === null);
    if (param) {
      after = edit(after, setParamField(after, param.name, 'description', 'probe: a description'));
      expect(after.graph.params.find((p) => p.name === param.name)?.description).toBe('probe: a description');
      after = edit(after, setParamField(after, param.name, 'description', undefined));
    }
    after = edit(after, setMapField(after, ['defaults', 'resources'], 'probe_pool', undefined));
    after = edit(after, setMapField(after, ['defaults'], timeout, undefined));
    after = edit(after, deleteTrigger(after, triggers.length - 1));
    expect(after.text).toBe(text);
  });

  it('adds and removes a needs edge between the first and last step, back to the same text', () => {
    const [first, last] = [parsed.graph.steps[0], parsed.graph.steps[parsed.graph.steps.length - 1]];
    if (first === last || last.needs.includes(first.id)) {
      expect(addNeed(parsed, last.id, first.id)).toEqual([]);
      return;
    }
    const added = edit(parsed, addNeed(parsed, last.id, first.id));
    expect(edges(added)).toContain(`${first.id}>${last.id}:needs`);
    const removed = edit(added, removeNeed(added, last.id, first.id));
    expect(edges(removed)).toEqual(edges(parsed));
    if (last.needs.length === 0) expect(removed.text).toBe(text);
  });
});

describe('every construct of the format', () => {
  const tour = parsePipeline(readFileSync(join(folder, 'tour.yaml'), 'utf8'));

  it('reads explicit needs (a list and a bare id) apart from needs implied by expressions', () => {
    expect(edges(tour)).toEqual([
      'nap>report:needs',
      'notify>finish:needs',
      'report>finish:needs',
      'start>nap:needs',
      'start>sweep:expression',
      'sweep>report:expression',
    ]);
    expect(tour.graph.steps.find((s) => s.id === 'sweep')?.matrixKeys).toEqual(['size', 'style']);
    expect(tour.graph.params.map((p) => `${p.name}:${p.type}`)).toEqual([
      'greeting:string', 'rounds:integer', 'threshold:number', 'enabled:boolean', 'sizes:list', 'extra:object', 'audience:string',
    ]);
  });

  it('sets when, timeout and retry, and removes them again to the same text', () => {
    const nap = tour.graph.steps.find((s) => s.id === 'nap')!;
    let after = edit(tour, setStepField(tour, 'nap', 'when', '${{ params.enabled }}'));
    after = edit(after, setStepField(after, 'nap', 'timeout', '45s'));
    after = edit(after, setStepField(after, 'nap', 'retry', { max: 3, backoff: '5s' }));
    expect(after.doc.getIn(['steps', 'nap', 'when'])).toBe('${{ params.enabled }}');
    expect(after.doc.getIn(['steps', 'nap', 'timeout'])).toBe('45s');
    expect(after.text).toContain('    timeout: 45s\n');
    expect(after.text).toContain('    retry: { max: 3, backoff: 5s }\n');
    after = edit(after, setStepField(after, 'nap', 'when', undefined));
    after = edit(after, setStepField(after, 'nap', 'timeout', '30s'));
    after = edit(after, setStepField(after, 'nap', 'retry', { max: 0 }));
    expect(after.text).toBe(tour.text);
    expect(after.graph.steps.find((s) => s.id === 'nap')).toEqual(nap);
  });

  it('edits triggers: a schedule\'s time zone, the first key of an item, a monitor\'s window', () => {
    let after = edit(tour, setMapField(tour, ['triggers', 1], 'timezone', 'America/New_York'));
    expect(after.text).toContain('    version: 1                           # pinned; without it a schedule follows the latest published version\n    params: { audience: daily }\n    timezone: America/New_York\n');
    after = edit(after, setMapField(after, ['triggers', 0], 'schedule', undefined));
    expect(after.text).toContain('\n  - timezone: Europe/Paris\n    params: { audience: weekly-report, rounds: 3 }\n');
    after = edit(after, setMapField(after, ['triggers', 0], 'schedule', '0 0 4 ? * SUN'));
    expect(after.doc.toJS().triggers[0]).toMatchObject({ timezone: 'Europe/Paris', schedule: '0 0 4 ? * SUN' });
    after = edit(after, deleteTrigger(after, 0));
    after = edit(after, deleteTrigger(after, 0));
    expect(after.doc.has('triggers')).toBe(false);
    after = edit(after, addTrigger(after, { monitor: { model: 'm@production', when: '${{ drift.status == \'drift\' }}' } }));
    after = edit(after, setMapField(after, ['triggers', 0, 'monitor'], 'window', '1d'));
    expect(after.doc.toJS().triggers).toEqual([{ monitor: { model: 'm@production', when: "${{ drift.status == 'drift' }}", window: '1d' } }]);

    const retrain = parsePipeline(readFileSync(join(folder, 'retrain.yaml'), 'utf8'));
    const changed = edit(retrain, setMapField(retrain, ['triggers', 0, 'monitor'], 'window', '12h'));
    expect(changed.text).toBe(retrain.text.replace('      window: 1d\n', '      window: 12h\n'));
  });

  it('writes a new matrix inline and grows a block one by a line', () => {
    let after = edit(tour, setMatrixAxis(tour, 'nap', 'seconds', [0.1, 0.2]));
    expect(after.text).toContain('    matrix: { seconds: [0.1, 0.2] }\n');
    after = edit(tour, setMatrixAxis(tour, 'sweep', 'lr', [0.001, 0.003]));
    expect(after.text).toContain('      style: [short, long]\n      lr: [0.001, 0.003]\n');
    after = edit(after, setStepField(after, 'sweep', 'select', { maximize: '${{ item.score }}' }));
    expect(after.text).toContain('    select: { maximize: "${{ item.score }}" }   # outputs.best');
  });

  it('turns a bare need into a list and back', () => {
    const added = edit(tour, addNeed(tour, 'report', 'start'));
    expect(added.text).toContain('    needs: [nap, start]                           # one step id');
    const removed = edit(added, removeNeed(added, 'report', 'start'));
    expect(removed.graph.steps.find((s) => s.id === 'report')?.needs).toEqual(['nap']);
  });

  it('edits a param default and adds a new param', () => {
    let after = edit(tour, setParamField(tour, 'rounds', 'default', 5));
    expect(after.text).toContain('  rounds: { type: integer, default: 5 }\n');
    after = edit(after, setParamField(after, 'owner', 'default', 'me'));
    expect(after.graph.params.find((p) => p.name === 'owner')).toMatchObject({ type: 'string', default: 'me' });
  });

  it('starts a new pipeline and grows it from nothing', () => {
    let p = parsePipeline(newPipelineText('demo'));
    expect(p.graph.steps).toEqual([]);
    const a = addStep(p, 'core.echo@1');
    p = edit(p, a.changes);
    p = edit(p, setInput(p, a.id, 'message', 'hi'));
    const b = addStep(p, 'core.echo@1');
    expect(b.id).toBe('echo_2');
    p = edit(p, b.changes);
    p = edit(p, addNeed(p, b.id, a.id));
    expect(p.doc.toJS()).toEqual({
      apiVersion: 'pipelines/v1', kind: 'Pipeline', metadata: { name: 'demo' },
      steps: { echo: { uses: 'core.echo@1', with: { message: 'hi' } }, echo_2: { uses: 'core.echo@1', needs: ['echo'] } },
    });
    p = edit(p, deleteStep(p, 'echo'));
    p = edit(p, deleteStep(p, 'echo_2'));
    expect(p.doc.toJS().steps).toEqual({});
  });

  it('reports needs of unknown steps and YAML errors on the line that holds them', () => {
    const p = parsePipeline('apiVersion: pipelines/v1\nsteps:\n  a:\n    uses: core.noop@1\n    needs: [ghost]\n  b: [unclosed\n');
    expect(p.graph.problems.map((x) => `${x.line}:${x.code}:${x.step ?? '-'}`)).toEqual(expect.arrayContaining(['3:DESIGNER:a']));
    expect(p.graph.problems.some((x) => x.code === 'YAML')).toBe(true);
  });

  it('deletes a selection of steps and needs edges as one change', () => {
    const [change, ...rest] = deleteSelection(tour, ['nap', 'report'], [['notify', 'finish'], ['nap', 'report']]);
    expect(rest).toEqual([]);
    const after = parsePipeline(applyChanges(tour.text, [change]));
    expect(after.graph.steps.map((s) => s.id)).toEqual(['start', 'sweep', 'notify', 'finish']);
    expect(after.graph.steps.find((s) => s.id === 'finish')?.needs).toEqual([]);
    expect(after.doc.getIn(['steps', 'finish'])).toBeTruthy();
    expect(deleteSelection(tour, [])).toEqual([]);
  });

  it('refuses a rename to an id the format does not allow or one taken', () => {
    expect(() => renameStep(tour, 'nap', 'Nap')).toThrow(/not a step id/);
    expect(() => renameStep(tour, 'nap', 'start')).toThrow(/exists already/);
  });
});
