// A layered layout for large pipelines, in one pass on the main thread. ELK's layered algorithm draws better pictures
// but needs seconds on a 500-step graph in a fresh worker (its compiled code starts cold on every page: 5–7 s to the
// fitted canvas in `-- designer`, bench/RESULTS.md), while this takes milliseconds. Same three phases as ELK's:
//   1. layers: each step one layer below the lowest step it needs (longest path), so every edge points down;
//   2. order: a few sweeps that sort each layer by the mean position of its neighbours in the layer above (then below),
//      the barycenter heuristic that removes most crossings (all of them in a tree);
//   3. x: each node as close as it can get to the mean x of its neighbours, nodes of a layer kept apart: the least
//      squares placement under "no overlap", solved exactly per layer by pool-adjacent-violators.
import type { Positions } from './layout';

export interface LayeredSpacing {
  width: number;
  height: number;
  /** Between nodes of one layer. */
  nodeGap: number;
  /** Between layers. */
  layerGap: number;
}

/** Positions (top-left corners) of `ids` for `edges` [source, target]; unknown ids and self-loops are ignored. */
export function layeredLayout(ids: string[], edges: [string, string][], spacing: LayeredSpacing): Positions {
  const index = new Map(ids.map((id, i) => [id, i]));
  const preds: number[][] = ids.map(() => []);
  const succs: number[][] = ids.map(() => []);
  const seen = new Set<string>();
  for (const [source, target] of edges) {
    const s = index.get(source);
    const t = index.get(target);
    if (s === undefined || t === undefined || s === t || seen.has(`${s}>${t}`)) continue;
    seen.add(`${s}>${t}`);
    preds[t].push(s);
    succs[s].push(t);
  }

  const layers = assignLayers(ids.length, preds, succs);
  // Edges that do not point down (only in a cycle, which validation reports) take no part in ordering or placing.
  const up = preds.map((p, t) => p.filter((s) => layers.rank[s] < layers.rank[t]));
  const down = succs.map((c, s) => c.filter((t) => layers.rank[t] > layers.rank[s]));
  const order = layers.members;
  const slot = new Float64Array(ids.length);
  const renumber = (layer: number[]) => layer.forEach((v, i) => (slot[v] = i));
  order.forEach(renumber);
  for (let sweep = 0; sweep < 4; sweep++) {
    const downward = sweep % 2 === 0;
    const sequence = downward ? order.slice(1) : order.slice(0, -1).reverse();
    for (const layer of sequence) {
      const key = new Map(layer.map((v) => [v, mean(downward ? up[v] : down[v], slot) ?? slot[v]]));
      layer.sort((a, b) => key.get(a)! - key.get(b)! || slot[a] - slot[b]);
      renumber(layer);
    }
  }

  const pitch = spacing.width + spacing.nodeGap;
  const x = new Float64Array(ids.length);
  for (const layer of order) layer.forEach((v, i) => (x[v] = i * pitch));
  for (let pass = 0; pass < 4; pass++) { // ending upwards: a step sits over what it feeds
    const downward = pass % 2 === 0;
    const sequence = downward ? order.slice(1) : order.slice(0, -1).reverse();
    for (const layer of sequence) {
      const wanted = layer.map((v) => mean(downward ? up[v] : down[v], x) ?? x[v]);
      placeApart(wanted, pitch).forEach((at, i) => (x[layer[i]] = at));
    }
  }

  let left = Infinity;
  for (let v = 0; v < ids.length; v++) left = Math.min(left, x[v]);
  const positions: Positions = {};
  ids.forEach((id, v) => {
    positions[id] = { x: x[v] - left, y: layers.rank[v] * (spacing.height + spacing.layerGap) };
  });
  return positions;
}

/** Longest-path layers (Kahn's order); steps in a cycle go one layer below everything placed before them. */
function assignLayers(count: number, preds: number[][], succs: number[][]) {
  const rank = new Array<number>(count).fill(0);
  const waiting = preds.map((p) => p.length);
  const queue: number[] = [];
  for (let v = 0; v < count; v++) if (waiting[v] === 0) queue.push(v);
  const placed = new Uint8Array(count);
  let deepest = 0;
  const place = (v: number) => {
    placed[v] = 1;
    deepest = Math.max(deepest, rank[v]);
    for (const t of succs[v]) {
      if (placed[t]) continue; // an edge back into a cycle already broken
      rank[t] = Math.max(rank[t], rank[v] + 1);
      if (--waiting[t] === 0) queue.push(t);
    }
  };
  for (let next = 0; ; ) {
    while (next < queue.length) place(queue[next++]);
    const stuck = placed.indexOf(0);
    if (stuck < 0) break;
    rank[stuck] = deepest + 1;
    waiting[stuck] = 0;
    queue.push(stuck);
  }
  const members: number[][] = Array.from({ length: deepest + 1 }, () => []);
  for (let v = 0; v < count; v++) members[rank[v]].push(v); // file order within a layer to start with
  return { rank, members };
}

function mean(of: number[], values: ArrayLike<number>): number | null {
  if (of.length === 0) return null;
  let sum = 0;
  for (const v of of) sum += values[v];
  return sum / of.length;
}

/**
 * The x of each node of a layer, in order, closest to `wanted` in least squares with consecutive nodes at least
 * `pitch` apart. Shifting node i by i·pitch turns "apart" into "non-decreasing", which pool-adjacent-violators solves
 * exactly: runs that would cross are merged and sit at their mean.
 */
export function placeApart(wanted: number[], pitch: number): number[] {
  const blocks: { sum: number; count: number }[] = [];
  wanted.forEach((w, i) => {
    blocks.push({ sum: w - i * pitch, count: 1 });
    while (blocks.length > 1) {
      const last = blocks[blocks.length - 1];
      const before = blocks[blocks.length - 2];
      if (before.sum / before.count <= last.sum / last.count) break;
      before.sum += last.sum;
      before.count += last.count;
      blocks.pop();
    }
  });
  const placed: number[] = [];
  for (const b of blocks) for (let k = 0; k < b.count; k++) placed.push(b.sum / b.count + placed.length * pitch);
  return placed;
}
