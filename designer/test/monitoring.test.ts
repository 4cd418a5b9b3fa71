import { describe, expect, it } from 'vitest';
import {
  bucketSeconds, describeFeature, driftBars, driftSummary, latencySummary, trafficSummary, formatRate, formatSeconds, formatShare, nearestRank, requestSeries,
  type FeatureDrift, type LoggedRequest,
} from '../src/model/monitoring';

/** 2024-01-01T00:00:00Z, a multiple of every bucket width up to a day. */
const t0 = Date.UTC(2024, 0, 1) / 1000;

function request(secondsAfter: number, latency: number, timeToFirstToken: number | null, completionTokens: number): LoggedRequest {
  return {
    id: `cmpl-${secondsAfter}`, at: new Date((t0 + secondsAfter) * 1000).toISOString(), version: 1, variant: 'int8', finishReason: 'stop',
    promptTokens: 10, completionTokens, latency, timeToFirstToken, rating: null,
  };
}

// Three requests in the first five seconds, none in the next five, one in the five after: newest first, as the log lists them.
const log = [request(12, 0.3, 0.08, 2), request(4, 1.0, null, 0), request(3, 0.4, 0.1, 6), request(1, 0.2, 0.05, 4)];

describe('nearest-rank percentiles (the ⌈p·n⌉-th smallest, as the server computes them)', () => {
  it('takes the 5th, 9th and 10th of ten values for p50, p90 and p99', () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect([nearestRank(sorted, 0.5), nearestRank(sorted, 0.9), nearestRank(sorted, 0.99)]).toEqual([5, 9, 10]);
  });

  it('takes the only value of one, and the smallest at level 0', () => {
    expect([nearestRank([7], 0.5), nearestRank([7], 0.99), nearestRank([3, 4], 0)]).toEqual([7, 7, 3]);
  });
});

describe('bucket widths', () => {
  it('is the narrowest round width that fits the span in 60 buckets wherever it starts', () => {
    expect(bucketSeconds(0)).toBe(1);
    expect(bucketSeconds(59)).toBe(1); // 0.5 s to 59.5 s touches seconds 0 to 59: 60 buckets
    expect(bucketSeconds(59.5)).toBe(2); // 0.5 s to 60 s would touch 61
    expect(bucketSeconds(3600)).toBe(120); // a minute's would be 61
    expect(bucketSeconds(1e9)).toBe(86400); // the widest there is
  });
});

describe('the request log over time', () => {
  it('counts, rates and latency percentiles per bucket, an empty bucket a zero rate and a gap in latency', () => {
    const series = requestSeries(log, 5);
    expect(series.time).toEqual([t0, t0 + 5, t0 + 10]);
    expect(series.requests).toEqual([3, 0, 1]);
    expect(series.requestsPerSecond).toEqual([0.6, 0, 0.2]);
    expect(series.outputTokensPerSecond).toEqual([2, 0, 0.4]); // (4 + 6 + 0) / 5, then 2 / 5
    // [0.2, 0.4, 1.0]: p50 the ⌈1.5⌉ = 2nd, p90 the ⌈2.7⌉ = 3rd, p99 the ⌈2.97⌉ = 3rd.
    expect(series.latencyP50).toEqual([0.4, null, 0.3]);
    expect(series.latencyP90).toEqual([1.0, null, 0.3]);
    expect(series.latencyP99).toEqual([1.0, null, 0.3]);
    // The request without a first token is left out: [0.05, 0.1] → the 1st.
    expect(series.timeToFirstTokenP50).toEqual([0.05, null, 0.08]);
  });

  it('chooses the width from the span when none is given: 11 s in one-second buckets', () => {
    const series = requestSeries(log);
    expect(series.step).toBe(1);
    expect(series.time).toHaveLength(12); // seconds 1 to 12
    expect(series.requests.reduce((a, b) => a + b)).toBe(4);
  });

  it('does not depend on the order of the log', () => {
    expect(requestSeries([...log].reverse(), 5)).toEqual(requestSeries(log, 5));
  });

  it('is empty for an empty log', () => {
    expect(requestSeries([])).toMatchObject({ time: [], requests: [], latencyP50: [] });
  });
});

describe('drift against its thresholds', () => {
  const psi: FeatureDrift = { feature: 'prompt_length', statistic: 'psi', value: 0.05, warnAt: 0.1, driftAt: 0.25, status: 'ok' };
  const js: FeatureDrift = { feature: 'token_distribution', statistic: 'js', value: 0.06, warnAt: 0.02, driftAt: 0.05, status: 'drift' };

  it('draws each feature as a share of its drift threshold, so PSI and JS share an axis', () => {
    const bars = driftBars({ samples: 40, features: [psi, js], status: 'drift' });
    expect(bars.map((b) => b.label)).toEqual(['prompt length', 'token distribution']);
    expect(bars[0].share).toBeCloseTo(0.2);
    expect(bars[1].share).toBeCloseTo(1.2);
    expect(bars[0].warnShare).toBeCloseTo(0.4);
    expect(bars[1].warnShare).toBeCloseTo(0.4);
  });

  it('says the value, the thresholds and the status in words', () => {
    expect(describeFeature({ ...psi, value: 0.031234 })).toBe('psi 0.0312 (ok; warn at 0.1, drift at 0.25)');
    expect(describeFeature(js)).toBe('js 0.06 (drift; warn at 0.02, drift at 0.05)');
  });
});

describe('figures in words', () => {
  it('writes durations in ms below a second, rates per second and shares as percentages', () => {
    expect([formatSeconds(0.0424), formatSeconds(0.00031), formatSeconds(1.5), formatSeconds(null)]).toEqual(['42 ms', '0.3 ms', '1.50 s', '–']);
    expect(formatRate(0.25)).toBe('0.25/s');
    expect(formatShare(0.125)).toBe('12.5 %');
  });
});

describe('the charts in words (their accessible descriptions)', () => {
  it('sums up latency and traffic over the buckets, and says so when there is nothing yet', () => {
    const series = requestSeries(log, 5);
    expect(latencySummary(series)).toBe('Latency over time, 3 buckets of 5 s: p50 from 300 ms to 400 ms, p99 up to 1.00 s.');
    expect(trafficSummary(series)).toBe('Requests and output tokens per second over time, 3 buckets of 5 s: 4 requests, at most 0.60/s requests and 2.00/s tokens.');
    expect(latencySummary(requestSeries([]))).toBe('Latency over time: no requests yet.');
    expect(trafficSummary(requestSeries([]))).toBe('Requests and output tokens per second over time: no requests yet.');
  });

  it('names every drift feature with its value, thresholds and status', () => {
    const bars = driftBars({ samples: 3, status: 'warn', features: [{ feature: 'non_ascii_share', statistic: 'psi', value: 0.12, warnAt: 0.1, driftAt: 0.25, status: 'warn' }] });
    expect(driftSummary(bars)).toBe('Drift of 1 feature against their thresholds: non ascii share psi 0.12 (warn; warn at 0.1, drift at 0.25).');
  });
});
