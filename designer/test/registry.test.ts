import { describe, expect, it } from 'vitest';
import { aliasesOf, describeMove, formatMetrics, lineage, newestFirst, rollbackTarget, servedOf, type AliasMove, type ModelVersion } from '../src/model/registry';

const move = (alias: string, from: number | null, to: number, actor: string, rollback = false): AliasMove =>
  ({ model: 'm', alias, from, to, actor, reason: null, at: '2024-01-01T00:00:00.000Z', rollback });

// As the server lists them: oldest first, all in the same millisecond.
const history = [
  move('production', null, 1, 'ann'),
  move('production', 1, 2, 'otto'),
  move('staging', null, 2, 'otto'),
  move('production', 2, 1, 'otto', true),
];

describe('the alias history', () => {
  it('reads newest first, in the order the moves were made even within one millisecond', () => {
    expect(newestFirst(history).map(describeMove)).toEqual([
      'rolled production back from v2 to v1',
      'set staging to v2',
      'moved production from v1 to v2',
      'set production to v1',
    ]);
  });

  it('rolls an alias back to the previous target of its latest move, and nowhere for one set once or never', () => {
    expect(rollbackTarget(history, 'production')).toBe(2); // a rollback undoes the rollback
    expect(rollbackTarget(history, 'staging')).toBeNull();
    expect(rollbackTarget(history, 'canary')).toBeNull();
  });
});

describe('versions', () => {
  it('lists the aliases that point at a version, in name order', () => {
    const model = { name: 'm', latestVersion: 2, createdAt: '', aliases: { staging: 2, production: 1, canary: 2 } };
    expect(aliasesOf(model, 2)).toEqual(['canary', 'staging']);
    expect(aliasesOf(model, 3)).toEqual([]);
  });

  it('shows the lineage a version names and leaves out what it does not', () => {
    const version: ModelVersion = {
      model: 'm', version: 1, source: 'artifact://sha256/ab', baseModel: 'qwen-0.5b', dataset: null, adapter: null, runId: 'run-1', stepId: 'train',
      metrics: { rougeL: 0.31234, loss: 1.2 }, review: null, variant: null, variants: { int8: '/x', fp32: '/y' }, tags: {}, registeredAt: '',
    };
    expect(lineage(version)).toEqual([
      ['run', 'run-1, step train'],
      ['base model', 'qwen-0.5b'],
      ['metrics', 'loss 1.2, rougeL 0.312'],
      ['variants', 'fp32, int8'],
    ]);
    expect(formatMetrics({})).toBeNull();
    expect(formatMetrics({ judge: 'pass', counts: [1, 2] })).toBe('counts [1,2], judge pass');
  });

  it('finds the served ids of a model', () => {
    const served = [{ id: 'm@production', model: 'm', alias: 'production', version: 1, variant: 'int8' }, { id: 'n/2', model: 'n', alias: null, version: 2, variant: 'fp32' }];
    expect(servedOf(served, 'm').map((s) => s.id)).toEqual(['m@production']);
  });
});
