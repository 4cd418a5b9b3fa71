// A served model's monitoring, live: the server's window (traffic, latency, finish reasons, quality, drift) and the
// request log as charts, read again every few seconds while it is shown and not paused. Figures are tables, drift
// statuses are words; the charts come in their own chunk with uPlot.
import { lazy, Suspense, useEffect, useMemo, useState } from 'react';
import { ApiError } from '../api/client';
import { monitoring } from '../api/models';
import {
  describeFeature, featureLabel, formatRate, formatSeconds, formatShare, requestSeries, type LatencyPercentiles, type LoggedRequest,
  type MonitoringWindow,
} from '../model/monitoring';

const MonitoringCharts = lazy(() => import('./MonitoringCharts'));

/** How often the figures are read again, in milliseconds (`pipelines monitor` reads every 2 s). */
const every = 3000;
/** The request log's rows the charts are drawn from: the server window's default size. */
const logRows = 500;

export function MonitoringPanel({ id, dark, onError }: { id: string; dark: boolean; onError(e: unknown): void }) {
  const [measured, setMeasured] = useState<MonitoringWindow | null>(null);
  const [log, setLog] = useState<LoggedRequest[]>([]);
  const [readAt, setReadAt] = useState<Date | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [paused, setPaused] = useState(false);

  useEffect(() => {
    setMeasured(null);
    setLog([]);
    setFailure(null);
  }, [id]);

  useEffect(() => {
    if (paused) return;
    const abort = new AbortController();
    let reading = false;
    const read = async () => {
      if (reading) return; // a slow server: the next tick waits for this read instead of piling up
      reading = true;
      try {
        const [w, rows] = await Promise.all([monitoring.window(id, abort.signal), monitoring.requests(id, logRows, abort.signal)]);
        setMeasured(w);
        setLog(rows);
        setReadAt(new Date());
        setFailure(null);
      } catch (e) {
        if (abort.signal.aborted) return;
        if (e instanceof ApiError && e.status === 401) onError(e);
        // Later failures (the server restarting) keep the last figures, saying why they are not fresh.
        setFailure(e instanceof ApiError ? `${e.message}${e.hint ? `; ${e.hint}` : ''}` : `the server cannot be reached: ${(e as Error).message}`);
      } finally {
        reading = false;
      }
    };
    void read();
    const timer = setInterval(() => void read(), every);
    return () => {
      clearInterval(timer);
      abort.abort();
    };
  }, [id, paused, onError]);

  const series = useMemo(() => requestSeries(log), [log]);
  const traffic = measured?.traffic;

  return (
    <section className="monitoring" aria-label={`Monitoring of ${id}`}>
      <h3>Monitoring of {id}</h3>
      <p className="monitoring-state">
        <button type="button" aria-pressed={paused} onClick={() => setPaused(!paused)}>{paused ? 'Resume updates' : 'Pause updates'}</button>
        <span className="muted">
          {paused ? ' paused' : ` read every ${every / 1000} s`}{readAt ? `, last at ${readAt.toLocaleTimeString()}` : ''}
        </span>
      </p>
      {failure && <p className="error" role="alert">{measured ? `The latest read failed, so these figures are from the one before: ${failure}` : failure}</p>}
      {!measured ? (!failure && <p className="muted">Reading…</p>) : (
        <>
          <p>
            Version <strong>{measured.version}</strong> ({measured.variant}): <strong className="requests-count">{measured.requests}</strong> requests
            in the window, {measured.sampled} sampled.
          </p>
          <div className="monitoring-tables">
            <table aria-label="Traffic">
              <thead><tr><th scope="col">Traffic</th><th scope="col">Window ({Math.round(traffic!.window.seconds)} s)</th><th scope="col">Last minute</th></tr></thead>
              <tbody>
                <tr><th scope="row">Requests</th><td>{formatRate(traffic!.window.requestsPerSecond)}</td><td>{formatRate(traffic!.lastMinute.requestsPerSecond)}</td></tr>
                <tr><th scope="row">Output tokens</th><td>{formatRate(traffic!.window.outputTokensPerSecond)}</td><td>{formatRate(traffic!.lastMinute.outputTokensPerSecond)}</td></tr>
                <tr><th scope="row">Prompt tokens</th><td>{formatRate(traffic!.window.promptTokensPerSecond)}</td><td>{formatRate(traffic!.lastMinute.promptTokensPerSecond)}</td></tr>
              </tbody>
            </table>
            <table aria-label="Latency">
              <thead><tr><th scope="col">Latency</th><th scope="col">p50</th><th scope="col">p90</th><th scope="col">p99</th></tr></thead>
              <tbody>
                <Percentiles name="End to end" value={traffic!.latencySeconds} />
                <Percentiles name="First token" value={traffic!.timeToFirstTokenSeconds} />
                <Percentiles name="Per output token" value={traffic!.timePerOutputTokenSeconds} />
              </tbody>
            </table>
            <table aria-label="Quality">
              <thead><tr><th scope="col">Quality</th><th scope="col">of {measured.quality.requests} sampled</th></tr></thead>
              <tbody>
                <tr><th scope="row">Toxic outputs</th><td>{formatShare(measured.quality.toxicOutputRate)}</td></tr>
                <tr><th scope="row">PII leaks</th><td>{formatShare(measured.quality.piiLeakRate)}</td></tr>
                <tr><th scope="row">Empty outputs</th><td>{formatShare(measured.quality.emptyOutputRate)}</td></tr>
                <tr><th scope="row">Truncated outputs</th><td>{formatShare(measured.quality.truncatedOutputRate)}</td></tr>
                <tr><th scope="row">Mean output length</th><td>{measured.quality.meanOutputTokens.toFixed(1)} tokens</td></tr>
                <tr><th scope="row">Ratings</th><td>{measured.quality.ratings === 0 ? 'none' : `${measured.quality.ratings}, mean ${measured.quality.meanRating!.toFixed(2)}`}</td></tr>
              </tbody>
            </table>
          </div>
          <div role="group" aria-label="Finish reasons">
            Finish reasons: {Object.keys(traffic!.finishReasons).length === 0 ? 'none yet'
              : Object.entries(traffic!.finishReasons).map(([reason, count]) => `${reason} ${count}`).join(', ')}
          </div>
          {measured.drift ? (
            <table aria-label="Drift" className="drift">
              <caption>Drift of {measured.drift.samples} sampled prompts against the training data: <strong>{measured.drift.status}</strong></caption>
              <thead><tr><th scope="col">Feature</th><th scope="col">Statistic</th><th scope="col">Value</th><th scope="col">Warn at</th><th scope="col">Drift at</th><th scope="col">Status</th></tr></thead>
              <tbody>
                {measured.drift.features.map((f) => (
                  <tr key={f.feature} title={describeFeature(f)}>
                    <th scope="row">{featureLabel(f.feature)}</th>
                    <td>{f.statistic}</td>
                    <td>{Number(f.value.toPrecision(3))}</td>
                    <td>{f.warnAt}</td>
                    <td>{f.driftAt}</td>
                    <td className={`drift-status drift-${f.status}`}>{statusMark[f.status]} {f.status}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : <p className="muted">No drift to show: {measured.driftNote}</p>}
          <Suspense fallback={<p className="muted">Loading the charts…</p>}>
            <MonitoringCharts series={series} drift={measured.drift} dark={dark} />
          </Suspense>
        </>
      )}
    </section>
  );
}

/** A shape beside the word, so the status reads without colour too. */
const statusMark = { ok: '●', warn: '▲', drift: '■' } as const;

function Percentiles({ name, value }: { name: string; value: LatencyPercentiles | null }) {
  return (
    <tr>
      <th scope="row">{name}</th>
      <td>{formatSeconds(value?.p50)}</td>
      <td>{formatSeconds(value?.p90)}</td>
      <td>{formatSeconds(value?.p99)}</td>
    </tr>
  );
}
