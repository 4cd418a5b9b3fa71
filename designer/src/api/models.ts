// The Models view's calls: the registry (`/api/models`, engine/Pipelines.Engine/Api/ModelEndpoints.cs) and the
// monitoring of served models (`/api/monitoring/models`, activities/Pipelines.Activities/Serving/OpenAi/).
import type { LoggedRequest, MonitoringWindow } from '../model/monitoring';
import type { AliasMove, ModelVersion, RegisteredModel, ServedModel } from '../model/registry';
import { call } from './client';

const modelPath = (name: string) => `/api/models/${encodeURIComponent(name)}`;
const json = (method: string, body: unknown): RequestInit => ({ method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

export const models = {
  list: () => call<{ models: RegisteredModel[] }>('/api/models').then((b) => b.models),
  versions: (name: string) => call<{ versions: ModelVersion[] }>(`${modelPath(name)}/versions`).then((b) => b.versions),
  /** Every alias's moves, oldest first. */
  history: (name: string) => call<{ moves: AliasMove[] }>(`${modelPath(name)}/history`).then((b) => b.moves),
  /** Points `alias` at `version` (role operator). */
  move: (name: string, alias: string, version: number, reason: string) =>
    call<AliasMove>(`${modelPath(name)}/aliases/${encodeURIComponent(alias)}`, json('PUT', { version, reason: reason || null })),
  /** Points `alias` back at its previous target (role operator). */
  rollback: (name: string, alias: string, reason: string) =>
    call<AliasMove>(`${modelPath(name)}/aliases/${encodeURIComponent(alias)}/rollback`, json('POST', { reason: reason || null })),
};

const servedPath = (id: string) => `/api/monitoring/models/${encodeURIComponent(id)}`;

export const monitoring = {
  /** The ids this server answers for; none when it serves no model. */
  served: () => call<{ models: ServedModel[] }>('/api/monitoring/models').then((b) => b.models),
  window: (id: string, signal?: AbortSignal) => call<MonitoringWindow>(servedPath(id), {}, signal),
  /** The latest `limit` logged requests, newest first. */
  requests: (id: string, limit: number, signal?: AbortSignal) =>
    call<{ requests: LoggedRequest[] }>(`${servedPath(id)}/requests?limit=${limit}`, {}, signal).then((b) => b.requests),
};
