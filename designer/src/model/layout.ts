// Automatic layout of the step graph with ELK's layered (Sugiyama) algorithm: top to bottom, upstream first. The app
// runs ELK in a web worker (elk-api + elk-worker); tests pass the bundled ELK, which runs in-process.
import type { ELK } from 'elkjs/lib/elk-api';
import { layeredLayout } from './layeredLayout';
import type { PipelineGraph } from './pipelineGraph';

export const nodeSize = { width: 220, height: 72 };

export type Positions = Record<string, { x: number; y: number }>;

/** A key that changes exactly when the layout would: the steps and the edges between them. */
export function layoutKey(graph: PipelineGraph): string {
  return JSON.stringify([graph.steps.map((s) => s.id), graph.edges.map((e) => `${e.source}>${e.target}`)]);
}

/**
 * Up to this many steps ELK lays the graph out, keeping the file's step order where the graph allows, so the picture
 * reads like the YAML. Above it `layeredLayout` does, in milliseconds on the main thread: ELK needs seconds for 500
 * steps in a fresh worker (`-- designer` in bench/RESULTS.md), where opening at once matters more than its finish.
 */
export const elkUpTo = 150;

const spacing = { ...nodeSize, nodeGap: 40, layerGap: 56 };

/** The layout of a pipeline too large for ELK, at once (null below `elkUpTo` steps: ELK's, from `layoutGraph`). */
export function quickLayout(graph: PipelineGraph): Positions | null {
  if (graph.steps.length <= elkUpTo) return null;
  return layeredLayout(graph.steps.map((s) => s.id), graph.edges.map((e) => [e.source, e.target]), spacing);
}

export async function layoutGraph(elk: ELK, graph: PipelineGraph): Promise<Positions> {
  const quick = quickLayout(graph);
  if (quick) return quick;
  const ids = new Set(graph.steps.map((s) => s.id));
  const seen = new Set<string>();
  const edges = graph.edges.filter((e) => {
    const key = `${e.source}>${e.target}`;
    if (!ids.has(e.source) || !ids.has(e.target) || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const laid = await elk.layout({
    id: 'pipeline',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.spacing.nodeNode': String(spacing.nodeGap),
      'elk.layered.spacing.nodeNodeBetweenLayers': String(spacing.layerGap),
      'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
    },
    children: graph.steps.map((s) => ({ id: s.id, ...nodeSize })),
    edges: edges.map((e, i) => ({ id: `e${i}`, sources: [e.source], targets: [e.target] })),
  });
  return Object.fromEntries((laid.children ?? []).map((c) => [c.id, { x: c.x ?? 0, y: c.y ?? 0 }]));
}
