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

/** `headers` with the bearer token, when there is one: every call to the server goes out through this. */
function authorized(headers?: HeadersInit): Headers {
  const all = new Headers(headers);
  const secret = token.get();
  if (secret) all.set('Authorization', `Bearer ${secret}`);
  return all;
}

/** A response read: its status and its JSON body (`{}` when it has none). */
interface Answer {
  ok: boolean;
  status: number;
  statusText: string;
  body: Record<string, unknown>;
}

/** The body of a good answer; an ApiError with the server's error and hint otherwise. */
function accept<T>({ ok, status, statusText, body }: Answer): T {
  if (!ok) throw new ApiError(status, String(body.error ?? `${status} ${statusText}`), (body.hint as string | undefined) ?? null, body);
  return body as T;
}

export async function call<T>(path: string, init: RequestInit = {}, signal?: AbortSignal): Promise<T> {
  const headers = authorized(init.headers);
  const response = await fetch(path, { ...init, headers, signal });
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  return accept<T>({ ok: response.ok, status: response.status, statusText: response.statusText, body });
}

export interface PublishedText {
  name: string;
  version: number;
  yaml: string;
}

/** What index.html's script asked for before the app started: the latest version of the pipeline a link opens. */
interface EarlyLatest {
  name: string;
  response: Promise<Answer>;
  /** The answer, once it came. */
  settled?: Answer;
}

declare global {
  interface Window {
    pipelinesEarly?: EarlyLatest;
  }
}

/**
 * The latest version of `name` that index.html asked for while the page loaded, taken once: `now` when it has
 * already come (the app can start with its text), else `later`. Null when the page asked for nothing of that name.
 */
export function earlyLatest(name: string): { now: PublishedText | null; later: Promise<PublishedText> } | null {
  const early = window.pipelinesEarly;
  if (!early || early.name !== name) return null;
  window.pipelinesEarly = undefined;
  let now: PublishedText | null = null;
  try {
    now = early.settled ? accept<PublishedText>(early.settled) : null;
  } catch {
    now = null; // the refusal comes again through `later`
  }
  return { now, later: early.response.then((answer) => accept<PublishedText>(answer)) };
}

const yamlBody = (yaml: string): RequestInit => ({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ yaml }) });

export interface DefinitionSummary {
  name: string;
  /** Null when every version is retracted. */
  latestVersion: number | null;
  versionCount: number;
}

/** A published version (`GET /api/definitions/{name}/versions`): `hash` is SHA-256 hex of its text. */
export interface VersionSummary {
  name: string;
  version: number;
  hash: string;
  publishedAt: string;
  retractedAt: string | null;
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
    call<PublishedText>(`/api/definitions/${encodeURIComponent(name)}/versions/${version}`),
  /** The newest version not retracted. */
  latest: (name: string) => call<PublishedText>(`/api/definitions/${encodeURIComponent(name)}/versions/latest`),
  /** Every version of `name`, retracted ones included, oldest first; a 404 when none is published. */
  versions: (name: string) =>
    call<{ versions: VersionSummary[] }>(`/api/definitions/${encodeURIComponent(name)}/versions`).then((b) => b.versions),
  drafts: () => call<{ drafts: DraftSummary[] }>('/api/drafts').then((b) => b.drafts),
  draft: (name: string) => call<{ name: string; yaml: string; savedAt: string }>(draftPath(name)),
  saveDraft: (name: string, yaml: string) => call<DraftSummary>(draftPath(name), { ...yamlBody(yaml), method: 'PUT' }),
  deleteDraft: (name: string) => call<Record<string, unknown>>(draftPath(name), { method: 'DELETE' }),
  /** Where an artifact's content is served (`artifact://sha256/D` → `/api/artifacts/sha256/D`). */
  artifactUrl: (reference: string) => `/api/artifacts/sha256/${encodeURIComponent(reference.slice('artifact://sha256/'.length))}`,
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

export type StepStatus = 'pending' | 'ready' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'waiting' | 'cancelled' | string;

export interface StepReport {
  id: string;
  status: StepStatus;
  attempts: number;
  cached: boolean;
  outputs: Record<string, unknown> | null;
  error: string | null;
}

export interface RunReport {
  id: string;
  pipeline: string;
  version: number;
  status: string;
  params: Record<string, unknown>;
  steps: StepReport[];
  error?: string | null;
}

export interface Review {
  id: string;
  runId: string;
  step: string;
  title: string;
  instructions: string | null;
  samples: { input: unknown; output: unknown; reference: unknown }[];
  rubric: { name: string; description: string }[];
  status: string;
}

/** A run's live events (`snapshot`, `step`, `progress`, `log`, `run`) as Server-Sent Events, read with fetch so the bearer token goes in a header. */
export async function runEvents(id: string, onEvent: (name: string, data: Record<string, unknown>) => void, signal: AbortSignal): Promise<void> {
  const response = await fetch(`/api/runs/${encodeURIComponent(id)}/events`, { headers: authorized({ Accept: 'text/event-stream' }), signal });
  if (!response.ok || !response.body) throw new ApiError(response.status, `the run's events cannot be read (${response.status})`, null, {});
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    // Events end with a blank line; each has `event:` and one `data:` line (the server writes JSON on one line).
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const name = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (name && data) onEvent(name, JSON.parse(data) as Record<string, unknown>);
    }
  }
}

/** An artifact's content from the server (`path`: a file of a folder artifact), with the token when there is one. */
export async function fetchArtifact(reference: string, path?: string): Promise<Response> {
  const url = api.artifactUrl(reference) + (path ? `?path=${encodeURIComponent(path)}` : '');
  const response = await fetch(url, { headers: authorized() });
  if (!response.ok) throw new ApiError(response.status, `${reference}${path ? ` ${path}` : ''} cannot be read (${response.status})`, null, {});
  return response;
}

/** A folder artifact's files, or null when the artifact is one file. */
export async function artifactFiles(reference: string): Promise<{ path: string; bytes: number }[] | null> {
  const response = await fetchArtifact(reference);
  if (!(response.headers.get('Content-Type') ?? '').startsWith('application/json')) return null;
  return ((await response.json()) as { files: { path: string; bytes: number }[] }).files;
}

/** Opens an artifact (or one file of a folder artifact) in a new tab, from memory: a link cannot carry the token. */
export async function openArtifact(reference: string, path?: string): Promise<void> {
  const blob = await (await fetchArtifact(reference, path)).blob();
  window.open(URL.createObjectURL(blob), '_blank', 'noopener');
}

export const runs = {
  start: (pipeline: string, params: Record<string, unknown>) =>
    call<{ id: string; pipeline: string; status: string }>('/api/runs', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ pipeline, params }) }),
  show: (id: string) => call<RunReport>(`/api/runs/${encodeURIComponent(id)}`),
  cancel: (id: string) => call<Record<string, unknown>>(`/api/runs/${encodeURIComponent(id)}/cancel`, { method: 'POST' }),
  /** Continues a failed or cancelled run from the steps that did not succeed (409 with a hint otherwise). */
  resume: (id: string) => call<{ id: string; status: string; was: string }>(`/api/runs/${encodeURIComponent(id)}/resume`, { method: 'POST' }),
  logs: (id: string, step: string) =>
    call<{ lines: { step: string; at: string; line: string }[] }>(`/api/runs/${encodeURIComponent(id)}/logs?step=${encodeURIComponent(step)}`).then((b) => b.lines),
  /** The open reviews (a gate.human step waiting for people). */
  reviews: () => call<{ reviews: Review[] }>('/api/reviews?status=open').then((b) => b.reviews),
  decide: (id: string, decision: 'approve' | 'reject', scores: Record<string, number>, comment: string) =>
    call<Review>(`/api/reviews/${encodeURIComponent(id)}/decision`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ decision, scores, comment }),
    }),
};
