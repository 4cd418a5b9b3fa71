import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { completeExpression } from '../src/model/completion';
import { parsePipeline } from '../src/model/pipelineGraph';
import { catalog } from './realCatalog';

const read = (f: string) => parsePipeline(readFileSync(join(__dirname, '../../pipelines', f), 'utf8')).graph;
const labels = (c: ReturnType<typeof completeExpression>) => c?.options.map((o) => o.label);

describe('expression completion', () => {
  const tour = read('tour.yaml');

  it('offers the roots, with matrix only in a matrix step', () => {
    expect(labels(completeExpression(tour, catalog, 'sweep', ' '))).toEqual(['params', 'steps', 'matrix', 'run', 'secrets']);
    expect(labels(completeExpression(tour, catalog, 'nap', ' '))).toEqual(['params', 'steps', 'run', 'secrets']);
    expect(labels(completeExpression(tour, catalog, 'nap', ' par'))).toEqual(['params']);
  });

  it('offers params by name and filters by what was typed', () => {
    expect(labels(completeExpression(tour, catalog, 'start', 'params.'))).toEqual(['greeting', 'rounds', 'threshold', 'enabled', 'sizes', 'extra', 'audience']);
    const c = completeExpression(tour, catalog, 'start', ' params.th');
    expect(labels(c)).toEqual(['threshold']);
    expect(c?.from).toBe(' params.'.length);
  });

  it('offers the other steps, then outputs and status, then the activity\'s outputs', () => {
    expect(labels(completeExpression(tour, catalog, 'report', 'steps.'))).toEqual(['start', 'sweep', 'nap', 'notify', 'finish']);
    expect(labels(completeExpression(tour, catalog, 'report', 'steps.nap.'))).toEqual(['outputs', 'status']);
    expect(labels(completeExpression(tour, catalog, 'report', 'steps.start.outputs.'))).toEqual(['message']);
    expect(labels(completeExpression(tour, catalog, 'report', 'steps.sweep.outputs.'))).toEqual(['best', 'all']);
    expect(labels(completeExpression(tour, catalog, 'report', 'steps.sweep.outputs.best.'))).toEqual(['message']);
  });

  it('offers a matrix step its axes, and an activity\'s real outputs from the catalog', () => {
    expect(labels(completeExpression(tour, catalog, 'sweep', 'matrix.'))).toEqual(['size', 'style']);
    const lifecycle = read('lifecycle.yaml');
    const curate = lifecycle.steps.find((s) => s.uses === 'data.curate@1')!;
    const outputs = catalog.find((a) => a.uses === 'data.curate@1')!.outputs.map((o) => o.name);
    expect(outputs).toContain('train');
    expect(labels(completeExpression(lifecycle, catalog, null, `steps.${curate.id}.outputs.`))).toEqual(outputs);
  });

  it('offers nothing for an unknown root and nothing known under secrets', () => {
    expect(completeExpression(tour, catalog, 'start', 'foo.')).toBeNull();
    expect(labels(completeExpression(tour, catalog, 'start', 'secrets.'))).toEqual([]);
  });
});
