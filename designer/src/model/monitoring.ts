// The monitoring of a served model, shaped for reading and for charts. The window's figures come from the server
// (`GET /api/monitoring/models/{model}`, docs/serving.md "The monitoring window"); the series over time are made here
// from its request log (`.../requests`): requests in buckets of a round number of seconds, with the rates and the
// latency percentiles of each bucket, by nearest rank as the server computes the window's.

/** A row of the request log, as `GET /api/monitoring/models/{model}/requests` returns it (newest first). */
export interface LoggedRequest {
  id: string;
  /** When the request arrived (ISO 8601). It is logged once it has ended. */
  at: string;
  version: number;
  variant: string;
  finishReason: string;
  promptTokens: number;
  completionTokens: number;
  /** End-to-end, from arrival to the last token, in seconds. */
  latency: number;
  /** Null when the request produced no token. */
  timeToFirstToken: number | null;
  rating: number | null;
}

export interface LatencyPercentiles {
  p50: number;
  p90: number;
  p99: number;
}

export interface TrafficRate {
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  promptTokensPerSecond: number;
  outputTokensPerSecond: number;
}

export interface TrafficWindow {
  requests: number;
  window: TrafficRate;
  lastMinute: TrafficRate;
  latencySeconds: LatencyPercentiles | null;
  timeToFirstTokenSeconds: LatencyPercentiles | null;
  timePerOutputTokenSeconds: LatencyPercentiles | null;
  /** Counts per reason, most frequent first. */
  finishReasons: Record<string, number>;
}

export type DriftStatus = 'ok' | 'warn' | 'drift';

export interface FeatureDrift {
  /** `prompt_length`, `token_distribution`, `unknown_token_rate`, `non_ascii_share`. */
  feature: string;
  /** `psi` or `js`. */
  statistic: string;
  value: number;
  warnAt: number;
  driftAt: number;
  status: DriftStatus;
}

export interface DriftReport {
  samples: number;
  features: FeatureDrift[];
  status: DriftStatus;
}

export interface QualityWindow {
  requests: number;
  toxicOutputRate: number;
  piiLeakRate: number;
  emptyOutputRate: number;
  truncatedOutputRate: number;
  meanOutputTokens: number;
  ratings: number;
  meanRating: number | null;
}

/** `GET /api/monitoring/models/{model}`: the latest window of the version being served. */
export interface MonitoringWindow {
  model: string;
  version: number;
  variant: string;
  requests: number;
  sampled: number;
  traffic: TrafficWindow;
  /** Null when drift cannot be told; `driftNote` says why. */
  drift: DriftReport | null;
  driftNote: string | null;
  quality: QualityWindow;
}

/** The value at `level` (0 to 1) of ascending `sorted` values by nearest rank: the ⌈level·n⌉-th smallest (the server's rule). */
export function nearestRank(sorted: readonly number[], level: number): number {
  if (sorted.length === 0) throw new Error('nearestRank of no values');
  const rank = Math.ceil(level * sorted.length); // as the server's ReferenceProfile.NearestRank, float for float
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** Bucket widths a person reads at a glance, in seconds. */
const roundSeconds = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400];

/**
 * The narrowest round bucket width that covers `spanSeconds` in at most `most` buckets, wherever the span starts:
 * buckets start at multiples of the width, so a span may touch one more bucket than it fills.
 */
export function bucketSeconds(spanSeconds: number, most = 60): number {
  return roundSeconds.find((step) => Math.ceil(Math.max(0, spanSeconds) / step) + 1 <= most) ?? roundSeconds[roundSeconds.length - 1];
}

/** Requests over time: one entry per bucket from the first request's to the last's, empty buckets included. */
export interface RequestSeries {
  /** The bucket width in seconds. */
  step: number;
  /** Each bucket's start, Unix seconds, a multiple of `step`. */
  time: number[];
  requests: number[];
  requestsPerSecond: number[];
  outputTokensPerSecond: number[];
  /** End-to-end latency percentiles of each bucket's requests; null for a bucket without requests (a gap, not a zero). */
  latencyP50: (number | null)[];
  latencyP90: (number | null)[];
  latencyP99: (number | null)[];
  /** The median time to first token of each bucket's requests that produced one. */
  timeToFirstTokenP50: (number | null)[];
}

/**
 * Puts `requests` (any order) in buckets of `step` seconds (default: {@link bucketSeconds} of their span). Rates are a
 * bucket's counts over its width; the newest bucket may still be filling, so it reads low until it closes.
 */
export function requestSeries(requests: readonly LoggedRequest[], step?: number): RequestSeries {
  const times = requests.map((r) => Date.parse(r.at) / 1000);
  const width = step ?? (times.length === 0 ? 1 : bucketSeconds(Math.max(...times) - Math.min(...times)));
  const series: RequestSeries = {
    step: width, time: [], requests: [], requestsPerSecond: [], outputTokensPerSecond: [],
    latencyP50: [], latencyP90: [], latencyP99: [], timeToFirstTokenP50: [],
  };
  if (requests.length === 0) return series;

  const first = Math.floor(Math.min(...times) / width);
  const last = Math.floor(Math.max(...times) / width);
  const buckets = Array.from({ length: last - first + 1 }, () => [] as LoggedRequest[]);
  requests.forEach((r, i) => buckets[Math.floor(times[i] / width) - first].push(r));

  buckets.forEach((bucket, i) => {
    const latencies = bucket.map((r) => r.latency).sort((a, b) => a - b);
    const firstTokens = bucket.flatMap((r) => (r.timeToFirstToken === null ? [] : [r.timeToFirstToken])).sort((a, b) => a - b);
    const at = (level: number) => (latencies.length === 0 ? null : nearestRank(latencies, level));
    series.time.push((first + i) * width);
    series.requests.push(bucket.length);
    series.requestsPerSecond.push(bucket.length / width);
    series.outputTokensPerSecond.push(bucket.reduce((sum, r) => sum + r.completionTokens, 0) / width);
    series.latencyP50.push(at(0.5));
    series.latencyP90.push(at(0.9));
    series.latencyP99.push(at(0.99));
    series.timeToFirstTokenP50.push(firstTokens.length === 0 ? null : nearestRank(firstTokens, 0.5));
  });
  return series;
}

/** A drift feature as a bar: its value as a share of its drift threshold, so features with different statistics share one axis. */
export interface DriftBar {
  feature: FeatureDrift;
  /** `prompt length`, … */
  label: string;
  /** value / driftAt: 1 is the drift threshold. */
  share: number;
  /** warnAt / driftAt: where the warning line is drawn. */
  warnShare: number;
}

/** The bars of a drift report, in the report's order. */
export function driftBars(report: DriftReport): DriftBar[] {
  return report.features.map((feature) => ({
    feature,
    label: featureLabel(feature.feature),
    share: feature.driftAt > 0 ? feature.value / feature.driftAt : 0,
    warnShare: feature.driftAt > 0 ? feature.warnAt / feature.driftAt : 0,
  }));
}

/** `prompt_length` → `prompt length`. */
export const featureLabel = (feature: string) => feature.replaceAll('_', ' ');

/** A duration as people read it: milliseconds below a second (with a decimal below 10 ms), else seconds with two decimals. */
export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '–';
  if (seconds < 0.01) return `${(seconds * 1000).toFixed(1)} ms`;
  return seconds < 1 ? `${Math.round(seconds * 1000)} ms` : `${seconds.toFixed(2)} s`;
}

/** A rate per second with two significant decimals: `0.25/s`, `12.40/s`. */
export const formatRate = (perSecond: number) => `${perSecond.toFixed(2)}/s`;

/** A share (0 to 1) as a percentage with one decimal. */
export const formatShare = (share: number) => `${(share * 100).toFixed(1)} %`;

/** A drift statistic's value, thresholds and status in words: `psi 0.031 (ok; warn at 0.1, drift at 0.25)`. */
export function describeFeature(f: FeatureDrift): string {
  return `${f.statistic} ${round(f.value)} (${f.status}; warn at ${f.warnAt}, drift at ${f.driftAt})`;
}

const round = (value: number) => Number(value.toPrecision(3)).toString();

/** What the latency chart shows, in words (its accessible description). */
export function latencySummary(series: RequestSeries): string {
  const p50 = series.latencyP50.filter((v): v is number => v !== null);
  const p99 = series.latencyP99.filter((v): v is number => v !== null);
  if (p50.length === 0) return 'Latency over time: no requests yet.';
  return `Latency over time, ${buckets(series)}: p50 from ${formatSeconds(Math.min(...p50))} to ${formatSeconds(Math.max(...p50))}, p99 up to ${formatSeconds(Math.max(...p99))}.`;
}

/** What the traffic chart shows, in words. */
export function trafficSummary(series: RequestSeries): string {
  const total = series.requests.reduce((a, b) => a + b, 0);
  if (total === 0) return 'Requests and output tokens per second over time: no requests yet.';
  return `Requests and output tokens per second over time, ${buckets(series)}: ${total} requests, at most ${formatRate(Math.max(...series.requestsPerSecond))} requests and ${formatRate(Math.max(...series.outputTokensPerSecond))} tokens.`;
}

/** What the drift chart shows, in words: every feature's value, thresholds and status. */
export const driftSummary = (bars: readonly DriftBar[]) =>
  `Drift of ${bars.length} ${bars.length === 1 ? 'feature' : 'features'} against their thresholds: ${bars.map((b) => `${b.label} ${describeFeature(b.feature)}`).join('; ')}.`;

const buckets = (series: RequestSeries) => `${series.time.length} ${series.time.length === 1 ? 'bucket' : 'buckets'} of ${series.step} s`;
