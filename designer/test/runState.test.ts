import { describe, expect, it } from 'vitest';
import { applyRunEvent, isTerminal, liveLogLines } from '../src/model/runState';

const snapshot = {
  id: 'r1', pipeline: 'demo', version: 3, status: 'running', params: {},
  steps: [
    { id: 'greet', status: 'succeeded', attempts: 1, cached: true, outputs: { message: 'hi' }, error: null },
    { id: 'train', status: 'running', attempts: 2, cached: false, outputs: null, error: null },
  ],
};

describe('a run folded from its events', () => {
  it('starts from the snapshot: every step with its status, attempts, cache hit and outputs', () => {
    const run = applyRunEvent(null, 'snapshot', snapshot)!;
    expect(run.pipeline).toBe('demo@3');
    expect(run.steps.greet).toMatchObject({ status: 'succeeded', attempts: 1, cached: true, outputs: { message: 'hi' } });
    expect(run.steps.train).toMatchObject({ status: 'running', attempts: 2, fraction: null, log: [] });
  });

  it('ignores events before the snapshot and events of another run', () => {
    expect(applyRunEvent(null, 'step', { runId: 'r1', stepId: 'greet', status: 'failed' })).toBeNull();
    const run = applyRunEvent(null, 'snapshot', snapshot)!;
    expect(applyRunEvent(run, 'run', { runId: 'r2', status: 'failed' })).toBe(run);
  });

  it('takes progress with its metrics, then clears the bar when the step finishes with its outputs', () => {
    let run = applyRunEvent(null, 'snapshot', snapshot)!;
    run = applyRunEvent(run, 'progress', { runId: 'r1', stepId: 'train', fraction: 0.25, message: 'step 10/40', metrics: { loss: 2.5 } })!;
    expect(run.steps.train).toMatchObject({ fraction: 0.25, message: 'step 10/40', metrics: { loss: 2.5 } });
    run = applyRunEvent(run, 'step', { runId: 'r1', stepId: 'train', status: 'succeeded', attempt: 2, cached: false, error: null, outputs: { adapter: 'artifact://sha256/ab' } })!;
    expect(run.steps.train).toMatchObject({ status: 'succeeded', fraction: null, outputs: { adapter: 'artifact://sha256/ab' }, metrics: { loss: 2.5 } });
    expect(run.steps.greet.status).toBe('succeeded');
  });

  it('adds steps it had not seen (matrix children) and keeps the last log lines', () => {
    let run = applyRunEvent(null, 'snapshot', snapshot)!;
    run = applyRunEvent(run, 'step', { runId: 'r1', stepId: 'eval[0]', status: 'running', attempt: 1 })!;
    expect(run.steps['eval[0]'].status).toBe('running');
    for (let i = 0; i < liveLogLines + 5; i++) run = applyRunEvent(run, 'log', { runId: 'r1', stepId: 'train', line: `line ${i}` })!;
    expect(run.steps.train.log).toHaveLength(liveLogLines);
    expect(run.steps.train.log.at(-1)).toBe(`line ${liveLogLines + 4}`);
  });

  it('ends with the run event: its status and error', () => {
    let run = applyRunEvent(null, 'snapshot', snapshot)!;
    run = applyRunEvent(run, 'run', { runId: 'r1', status: 'failed', error: 'step train failed' })!;
    expect(run).toMatchObject({ status: 'failed', error: 'step train failed' });
    expect(isTerminal(run.status)).toBe(true);
    expect(isTerminal('waiting')).toBe(false);
  });
});

describe('a step on the canvas', () => {
  it('collapses its matrix children into a count, the most pressing status and the share done', async () => {
    const { liveStep } = await import('../src/model/runState');
    let run = applyRunEvent(null, 'snapshot', { ...snapshot, steps: [{ id: 'eval', status: 'running', attempts: 1, cached: false, outputs: null, error: null }] })!;
    run = applyRunEvent(run, 'step', { runId: 'r1', stepId: 'eval[0]', status: 'succeeded', attempt: 1 })!;
    run = applyRunEvent(run, 'step', { runId: 'r1', stepId: 'eval[1]', status: 'running', attempt: 2 })!;
    const { live, children } = liveStep(run, 'eval');
    expect(children).toBe(2);
    expect(live).toMatchObject({ status: 'running', fraction: 0.5, attempts: 2 });
    expect(liveStep(run, 'greet')).toEqual({ live: null, children: 0 });
    expect(liveStep(null, 'eval')).toEqual({ live: null, children: 0 });
  });
});

describe('the stored run read at its end', () => {
  it('settles a step whose events came before the stream began, keeping what was watched live', () => {
    let run = applyRunEvent(null, 'snapshot', { ...snapshot, steps: [{ id: 'greet', status: 'pending', attempts: 0, cached: false, outputs: null, error: null }, snapshot.steps[1]] })!;
    run = applyRunEvent(run, 'log', { runId: 'r1', stepId: 'train', line: 'epoch 1' })!;
    run = applyRunEvent(run, 'run', { runId: 'r1', status: 'succeeded', error: null })!;
    expect(run.steps.greet.status).toBe('pending');
    run = applyRunEvent(run, 'report', {
      ...snapshot, status: 'succeeded',
      steps: [
        { id: 'greet', status: 'succeeded', attempts: 1, cached: false, outputs: { message: 'hi' }, error: null },
        { id: 'train', status: 'succeeded', attempts: 2, cached: false, outputs: { adapter: 'a' }, error: null },
      ],
    })!;
    expect(run.status).toBe('succeeded');
    expect(run.steps.greet).toMatchObject({ status: 'succeeded', outputs: { message: 'hi' } });
    expect(run.steps.train).toMatchObject({ status: 'succeeded', log: ['epoch 1'] });
  });
});
