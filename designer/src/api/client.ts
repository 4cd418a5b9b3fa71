// The designer's calls to the host's API. The bearer token (when the server asks for one) lives in sessionStorage only:
// it goes with the tab, never into localStorage, a cookie, the URL or a log.
import type { ActivityDescriptor } from '../model/catalog';
import type { Problem } from '../model/pipelineGraph';

const tokenKey = 'pipelines.token';

export class ApiError extends Error {
  constructor(readonly status: number, message: string, readonly hint: string | null, readonly body: Record<string, unknown>) {
    super(message);
  }
}

export const token = {
  get: (): string | null => sessionStorage.getItem(tokenKey),
  set: (value: string | null) => (value ? sessionStorage.setItem(tokenKey, value) : sessionStorage.removeItem(tokenKey)),
};

async function call<T>(path: string, init: RequestInit = {}, signal?: AbortSignal): Promise<T> {
  const headers = new Headers(init.headers);
  const secret = token.get();
  if (secret) headers.set('Authorization', `Bearer ${secret}`);
  const response = await fetch(path, { ...init, headers, signal });
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok) {
    throw new ApiError(response.status, String(body.error ?? `${response.status} ${response.statusText}`), (body.hint as string | undefined) ?? null, body);
  }
  return body as T;
}

const yamlBody = (yaml: string): RequestInit => ({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ yaml }) });

export interface DefinitionSummary {
  name: string;
  /** Null when every version is retracted. */
  latestVersion: number | null;
  versionCount: number;
}

export interface DraftSummary {
  name: string;
  savedAt: string;
}

const draftPath = (name: string) => `/api/drafts/${encodeURIComponent(name)}`;

export const api = {
  activities: () => call<ActivityDescriptor[]>('/api/activities'),
  schema: () => call<Record<string, unknown>>('/api/schema'),
  definitions: () => call<{ definitions: DefinitionSummary[] }>('/api/definitions').then((b) => b.definitions),
  version: (name: string, version: number) =>
    call<{ name: string; version: number; yaml: string }>(`/api/definitions/${encodeURIComponent(name)}/versions/${version}`),
  drafts: () => call<{ drafts: DraftSummary[] }>('/api/drafts').then((b) => b.drafts),
  draft: (name: string) => call<{ name: string; yaml: string; savedAt: string }>(draftPath(name)),
  saveDraft: (name: string, yaml: string) => call<DraftSummary>(draftPath(name), { ...yamlBody(yaml), method: 'PUT' }),
  deleteDraft: (name: string) => call<Record<string, unknown>>(draftPath(name), { method: 'DELETE' }),
  publish: (yaml: string) => call<{ name: string; version: number; created: boolean }>('/api/definitions', yamlBody(yaml)),

  /** The server's diagnostics of the text: [] when valid. Throws ApiError for anything but a verdict (401, 413, 5xx). */
  async validate(yaml: string, signal?: AbortSignal): Promise<Problem[]> {
    try {
      await call('/api/definitions/validate', yamlBody(yaml), signal);
      return [];
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 400 || !Array.isArray(e.body.diagnostics)) throw e;
      return (e.body.diagnostics as Problem[]).map((d) => ({ ...d, severity: d.severity === 'warning' ? 'warning' : 'error' }));
    }
  },
};
