// A run as the designer draws it, folded from the server's event stream (GET /api/runs/{id}/events): the `snapshot`
// (the run report) first, then `step`, `progress`, `log` and `run` events as they happen. Pure, so it is tested alone.

export interface StepLive {
  status: string;
  attempts: number;
  cached: boolean;
  outputs: Record<string, unknown> | null;
  error: string | null;
  /** 0..1 while the step reports progress. */
  fraction: number | null;
  message: string | null;
  /** The latest figures the step reported (loss, tokens/s, ...). */
  metrics: Record<string, number> | null;
  /** Lines logged while the designer watched (the stored log is read on demand). */
  log: string[];
}

export interface RunLive {
  id: string;
  pipeline: string;
  status: string;
  error: string | null;
  steps: Record<string, StepLive>;
}

const terminal = new Set(['succeeded', 'failed', 'cancelled']);
export const isTerminal = (status: string) => terminal.has(status);

/** The most log lines kept per step while watching; the stored log has them all. */
export const liveLogLines = 200;

const blank = (): StepLive => ({ status: 'pending', attempts: 0, cached: false, outputs: null, error: null, fraction: null, message: null, metrics: null, log: [] });

/** The run after event `name` with `data`; `run` is null before the snapshot. Events of another run change nothing. */
export function applyRunEvent(run: RunLive | null, name: string, data: Record<string, unknown>): RunLive | null {
  if (name === 'report' && run) {
    // The run as stored, read again when it ends: it settles any step whose event came before the stream began (the
    // snapshot is read from the store, which may not have had it yet). What was watched live (log, figures) stays.
    const settled = applyRunEvent(null, 'snapshot', data)!;
    for (const [id, step] of Object.entries(settled.steps)) {
      const watched = run.steps[id];
      if (watched) settled.steps[id] = { ...step, log: watched.log, metrics: watched.metrics, message: watched.message };
    }
    return { ...settled, steps: { ...run.steps, ...settled.steps } };
  }

  if (name === 'snapshot') {
    const steps: Record<string, StepLive> = {};
    for (const s of (data.steps as Record<string, unknown>[] | undefined) ?? []) {
      steps[String(s.id)] = {
        ...blank(),
        status: String(s.status),
        attempts: Number(s.attempts ?? 0),
        cached: Boolean(s.cached),
        outputs: (s.outputs as Record<string, unknown> | null) ?? null,
        error: (s.error as string | null) ?? null,
      };
    }
    return { id: String(data.id), pipeline: `${data.pipeline}@${data.version}`, status: String(data.status), error: (data.error as string | null) ?? null, steps };
  }

  if (!run || data.runId !== run.id) return run;
  const stepId = data.stepId as string | undefined;
  const step = (id: string, change: (s: StepLive) => StepLive): RunLive => ({ ...run, steps: { ...run.steps, [id]: change(run.steps[id] ?? blank()) } });
  switch (name) {
    case 'run':
      return { ...run, status: String(data.status), error: (data.error as string | null) ?? null };
    case 'step':
      return stepId ? step(stepId, (s) => ({
        ...s,
        status: String(data.status),
        attempts: Number(data.attempt ?? s.attempts),
        cached: Boolean(data.cached),
        error: (data.error as string | null) ?? null,
        outputs: (data.outputs as Record<string, unknown> | null) ?? s.outputs,
        fraction: data.status === 'running' ? s.fraction : null,
      })) : run;
    case 'progress':
      return stepId ? step(stepId, (s) => ({
        ...s,
        fraction: (data.fraction as number | null) ?? s.fraction,
        message: (data.message as string | null) ?? s.message,
        metrics: (data.metrics as Record<string, number> | null) ?? s.metrics,
      })) : run;
    case 'log':
      return stepId ? step(stepId, (s) => ({ ...s, log: [...s.log, String(data.line)].slice(-liveLogLines) })) : run;
    default:
      return run;
  }
}

const order = ['failed', 'running', 'retrying', 'waiting', 'ready', 'pending', 'cancelled', 'skipped', 'succeeded'];

/**
 * What the canvas draws on step `id`: its own state, and when it fans out (a matrix: children `id[0]`, `id[1]`, ...)
 * how many children it has, its status the most pressing of theirs when it has none of its own yet.
 */
const notRunning = Object.freeze({ live: null, children: 0 });

export function liveStep(run: RunLive | null, id: string): { live: StepLive | null; children: number } {
  if (!run) return notRunning; // one object, so a caller can tell nothing changed by identity
  const children = Object.entries(run.steps).filter(([k]) => k.startsWith(`${id}[`)).map(([, v]) => v);
  const own = run.steps[id] ?? null;
  if (children.length === 0 || (own && own.status !== 'pending' && own.status !== 'running')) return { live: own, children: children.length };
  const status = order.find((s) => children.some((c) => c.status === s)) ?? 'pending';
  const done = children.filter((c) => c.status === 'succeeded').length;
  return { live: { ...(own ?? children[0]), status, fraction: done / children.length, attempts: Math.max(...children.map((c) => c.attempts)) }, children: children.length };
}
