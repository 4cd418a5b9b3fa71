// The model registry as the Models view reads it (`/api/models`, engine/Pipelines.Engine/Registry/RegistryJson.cs):
// which aliases point at each version, the lineage worth a glance, the alias history newest first, and where a
// rollback would take an alias.

export interface RegisteredModel {
  name: string;
  latestVersion: number;
  createdAt: string;
  /** alias → version */
  aliases: Record<string, number>;
}

export interface ModelVersion {
  model: string;
  version: number;
  source: string;
  baseModel: string | null;
  dataset: string | null;
  adapter: string | null;
  runId: string | null;
  stepId: string | null;
  metrics: Record<string, unknown> | null;
  review: string | null;
  variant: string | null;
  variants: Record<string, string>;
  tags: Record<string, string>;
  registeredAt: string;
}

/** One move of an alias; `from` is null when the move set the alias for the first time. */
export interface AliasMove {
  model: string;
  alias: string;
  from: number | null;
  to: number;
  actor: string;
  reason: string | null;
  at: string;
  rollback: boolean;
}

/** A model the server answers for (`GET /api/monitoring/models`): the id served (`NAME@ALIAS`, `NAME/VERSION`) and what it serves now. */
export interface ServedModel {
  id: string;
  model: string;
  alias: string | null;
  version: number;
  variant: string;
}

/** The aliases pointing at `version`, in name order. */
export function aliasesOf(model: RegisteredModel, version: number): string[] {
  return Object.entries(model.aliases).filter(([, v]) => v === version).map(([alias]) => alias).sort();
}

/**
 * The history newest first. The server lists moves in the order they were made (oldest first); two moves in the same
 * millisecond keep that order reversed, which sorting by time could not promise.
 */
export const newestFirst = (moves: readonly AliasMove[]): AliasMove[] => [...moves].reverse();

/** The version a rollback of `alias` would point it at (the previous target of its latest move); null when it has had one target only, or never moved. */
export function rollbackTarget(moves: readonly AliasMove[], alias: string): number | null {
  for (let i = moves.length - 1; i >= 0; i--) if (moves[i].alias === alias) return moves[i].from;
  return null;
}

/** A move in words: `set production to v1`, `moved production from v1 to v2`, `rolled production back from v2 to v1`. */
export function describeMove(move: AliasMove): string {
  if (move.from === null) return `set ${move.alias} to v${move.to}`;
  return move.rollback ? `rolled ${move.alias} back from v${move.from} to v${move.to}` : `moved ${move.alias} from v${move.from} to v${move.to}`;
}

/** What a version came from, label and value, leaving out what its lineage does not name. */
export function lineage(version: ModelVersion): [string, string][] {
  const run = version.runId ? `${version.runId}${version.stepId ? `, step ${version.stepId}` : ''}` : null;
  const rows: [string, string | null][] = [
    ['run', run],
    ['base model', version.baseModel],
    ['dataset', version.dataset],
    ['adapter', version.adapter],
    ['review', version.review],
    ['metrics', formatMetrics(version.metrics)],
    ['variants', Object.keys(version.variants).sort().join(', ') || null],
  ];
  return rows.filter((row): row is [string, string] => row[1] !== null && row[1] !== '');
}

/** `{rougeL: 0.31, loss: 1.2345}` → `loss 1.23, rougeL 0.31`: numbers to three significant figures, names in order. */
export function formatMetrics(metrics: Record<string, unknown> | null): string | null {
  if (!metrics) return null;
  const parts = Object.entries(metrics).sort(([a], [b]) => a.localeCompare(b)).map(([name, value]) =>
    `${name} ${typeof value === 'number' ? Number(value.toPrecision(3)) : typeof value === 'string' ? value : JSON.stringify(value)}`);
  return parts.length === 0 ? null : parts.join(', ');
}

/** The served ids of registry model `name`. */
export const servedOf = (served: readonly ServedModel[], name: string) => served.filter((s) => s.model === name);
