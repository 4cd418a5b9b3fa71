// The monitoring charts, drawn with uPlot: latency and traffic over time from the request log, and drift per feature
// against its thresholds. This module is loaded only when a served model's monitoring is shown (its own chunk, with
// uPlot), so the designer's first load does not carry it. Each chart is an image to assistive technology, described
// in words (src/model/monitoring.ts), and says how many points and series it drew in data attributes.
import { useEffect, useMemo, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import {
  driftBars, driftSummary, formatSeconds, latencySummary, trafficSummary, type DriftReport, type RequestSeries,
} from '../model/monitoring';

// Canvas cannot read CSS variables, and the theme's attribute changes after this renders, so the colours are the
// theme's own (app.css), picked by `dark`.
const palettes = {
  light: { text: '#1d1f23', grid: '#d6d9de', p50: '#2563eb', p90: '#b26a00', p99: '#c62828', ttft: '#2e7d32', ok: '#2e7d32', warn: '#b26a00', drift: '#c62828' },
  dark: { text: '#e6e8eb', grid: '#343942', p50: '#6ea1ff', p90: '#f0b35a', p99: '#ff6b6b', ttft: '#66bb6a', ok: '#66bb6a', warn: '#f0b35a', drift: '#ff6b6b' },
};
type Palette = typeof palettes.light;

const height = 180;

/** The top of the drift axis: room above the drift line, and no more than 300 %, so one far-off feature does not flatten the others. */
const driftTop = (bars: readonly { share: number }[]) => Math.min(3, Math.max(1.2, ...bars.map((b) => Math.ceil(b.share * 11) / 10)));

export default function MonitoringCharts({ series, drift, dark }: { series: RequestSeries; drift: DriftReport | null; dark: boolean }) {
  const colours = dark ? palettes.dark : palettes.light;
  const bars = useMemo(() => (drift ? driftBars(drift) : []), [drift]);
  return (
    <div className="monitoring-charts">
      <Chart title="Latency over time" description={latencySummary(series)} series={4} points={series.time.length}
        options={() => latencyOptions(colours)} data={[series.time, series.latencyP50, series.latencyP90, series.latencyP99, series.timeToFirstTokenP50]}
        shape={`latency ${dark}`} requests={series.requests.reduce((a, b) => a + b, 0)} />
      <Chart title="Requests and tokens per second" description={trafficSummary(series)} series={2} points={series.time.length}
        options={() => trafficOptions(colours)} data={[series.time, series.requestsPerSecond, series.outputTokensPerSecond]}
        shape={`traffic ${dark}`} requests={series.requests.reduce((a, b) => a + b, 0)} />
      {bars.length > 0 && (
        <Chart title="Drift: each feature as a share of its drift threshold (100 % is drift; bars past 300 % are cut)" wide
          description={driftSummary(bars)} series={3} points={bars.length}
          options={() => driftOptions(colours, bars.map((b) => b.label), driftTop(bars))}
          data={[
            bars.map((_, i) => i),
            ...(['ok', 'warn', 'drift'] as const).map((status) => bars.map((b) => (b.feature.status === status ? b.share : null))),
            bars.map((b) => b.warnShare),
            bars.map(() => 1),
          ]}
          shape={`drift ${dark} ${bars.map((b) => b.label).join()} ${driftTop(bars)}`} />
      )}
    </div>
  );
}

/**
 * One uPlot chart in a figure. It is made again when `shape` changes (the theme, the drift features or their range);
 * new data only redraws it. `series` and `points` are what a reader (or a test) can count: the data series drawn
 * (thresholds apart) and the points of each.
 */
function Chart({ title, description, options, data, shape, series, points, requests, wide = false }: {
  title: string;
  wide?: boolean;
  description: string;
  options(): Omit<uPlot.Options, 'width' | 'height'>;
  data: uPlot.AlignedData;
  shape: string;
  series: number;
  points: number;
  requests?: number;
}) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  const latest = useRef(data);
  latest.current = data;

  useEffect(() => {
    const element = box.current!;
    const plot = new uPlot({ ...options(), width: Math.max(200, element.clientWidth), height }, latest.current, element);
    chart.current = plot;
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(200, element.clientWidth), height }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
      chart.current = null;
    };
  }, [shape]); // eslint-disable-line react-hooks/exhaustive-deps -- made again only when its shape changes

  useEffect(() => chart.current?.setData(data), [data]);

  return (
    <figure className={wide ? 'chart wide' : 'chart'}>
      <figcaption>{title}</figcaption>
      <div ref={box} role="img" aria-label={description} data-series={series} data-points={points} data-requests={requests} />
    </figure>
  );
}

const axis = (colours: Palette, more: Partial<uPlot.Axis> = {}): uPlot.Axis => ({
  stroke: colours.text, grid: { stroke: colours.grid, width: 1 }, ticks: { stroke: colours.grid, width: 1 }, ...more,
});

const line = (label: string, stroke: string, more: Partial<uPlot.Series> = {}): uPlot.Series => ({ label, stroke, width: 2, points: { show: true, size: 5 }, ...more });

function latencyOptions(colours: Palette): Omit<uPlot.Options, 'width' | 'height'> {
  return {
    series: [
      {},
      line('p50', colours.p50, { value: (_, v) => formatSeconds(v) }),
      line('p90', colours.p90, { value: (_, v) => formatSeconds(v) }),
      line('p99', colours.p99, { value: (_, v) => formatSeconds(v) }),
      line('first token p50', colours.ttft, { dash: [6, 4], value: (_, v) => formatSeconds(v) }),
    ],
    axes: [axis(colours), axis(colours, { size: 64, values: (_, ticks) => ticks.map((t) => formatSeconds(t)) })],
    scales: { y: { range: (_, __, max) => [0, Math.max(max, 0.001) * 1.1] } },
  };
}

function trafficOptions(colours: Palette): Omit<uPlot.Options, 'width' | 'height'> {
  return {
    series: [
      {},
      line('requests/s', colours.p50, { scale: 'requests', value: (_, v) => (v === null ? '–' : v.toFixed(2)) }),
      line('output tokens/s', colours.ttft, { scale: 'tokens', dash: [6, 4], value: (_, v) => (v === null ? '–' : v.toFixed(2)) }),
    ],
    axes: [
      axis(colours),
      axis(colours, { scale: 'requests', label: 'requests/s', size: 56 }),
      axis(colours, { scale: 'tokens', label: 'tokens/s', side: 1, grid: { show: false }, size: 56 }),
    ],
    scales: {
      requests: { range: (_, __, max) => [0, Math.max(max, 0.1) * 1.1] },
      tokens: { range: (_, __, max) => [0, Math.max(max, 0.1) * 1.1] },
    },
  };
}

function driftOptions(colours: Palette, labels: string[], top: number): Omit<uPlot.Options, 'width' | 'height'> {
  const bar = (label: string, fill: string): uPlot.Series => ({
    label, fill, stroke: fill, width: 0, points: { show: false }, paths: uPlot.paths.bars!({ size: [0.6, 80], align: 0 }),
    value: (_, v) => (v === null ? '–' : `${(v * 100).toFixed(0)} % of drift`),
  });
  return {
    series: [
      { label: 'feature', value: (_, i) => labels[i] ?? '' },
      bar('ok', colours.ok),
      bar('warn', colours.warn),
      bar('drift', colours.drift),
      line('warn threshold', colours.warn, { dash: [4, 4], width: 1, points: { show: false }, value: (_, v) => (v === null ? '–' : `${(v * 100).toFixed(0)} %`) }),
      line('drift threshold', colours.drift, { dash: [8, 4], width: 1, points: { show: false }, value: () => '100 %' }),
    ],
    axes: [
      // Two lines per label (`prompt\nlength`), so four features fit side by side on a narrow chart.
      axis(colours, { size: 44, splits: () => labels.map((_, i) => i), values: (_, ticks) => ticks.map((t) => (labels[t] ?? '').replace(' ', '\n')), grid: { show: false } }),
      axis(colours, { size: 60, values: (_, ticks) => ticks.map((t) => `${Math.round(t * 100)} %`) }),
    ],
    scales: { x: { time: false, range: [-0.5, labels.length - 0.5] }, y: { range: [0, top] } },
  };
}
