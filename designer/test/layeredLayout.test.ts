import { expect, it } from 'vitest';
import { layeredLayout, placeApart } from '../src/model/layeredLayout';

const spacing = { width: 100, height: 40, nodeGap: 20, layerGap: 30 };

/** A binary tree of `count` nodes, each needing its parent, and every fifth also reading its predecessor. */
function tree(count: number) {
  const ids = Array.from({ length: count }, (_, i) => `s${i}`);
  const edges: [string, string][] = [];
  for (let i = 1; i < count; i++) edges.push([`s${Math.floor((i - 1) / 2)}`, `s${i}`]);
  return { ids, edges };
}

function crossings(edges: [string, string][], at: Record<string, { x: number; y: number }>) {
  let count = 0;
  for (let i = 0; i < edges.length; i++) {
    for (let j = i + 1; j < edges.length; j++) {
      const [a, b] = edges[i].map((v) => at[v]);
      const [c, d] = edges[j].map((v) => at[v]);
      if (a.y === c.y && b.y === d.y && (a.x - c.x) * (b.x - d.x) < 0) count++;
    }
  }
  return count;
}

it('puts every step one layer below the deepest step it needs', () => {
  const at = layeredLayout(['a', 'b', 'c', 'd'], [['a', 'b'], ['b', 'c'], ['a', 'c'], ['a', 'd']], spacing);
  const layer = (id: string) => at[id].y / (spacing.height + spacing.layerGap);
  expect([layer('a'), layer('b'), layer('c'), layer('d')]).toEqual([0, 1, 2, 1]);
});

it('draws a tree without crossings or overlaps, each parent centred over its children', () => {
  const { ids, edges } = tree(63);
  const at = layeredLayout(ids, edges, spacing);
  expect(crossings(edges, at)).toBe(0);
  const boxes = Object.values(at);
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      expect(Math.abs(boxes[i].x - boxes[j].x) >= spacing.width || boxes[i].y !== boxes[j].y).toBe(true);
    }
  }
  for (let p = 0; p < 31; p++) expect(at[`s${p}`].x).toBeCloseTo((at[`s${2 * p + 1}`].x + at[`s${2 * p + 2}`].x) / 2, 6);
  expect(Math.min(...boxes.map((b) => b.x))).toBe(0);
});

it('undoes crossings that the file order makes', () => {
  // In file order c (child of b) comes before d (child of a): the first layer's order a, b must swap the second's.
  const edges: [string, string][] = [['a', 'd'], ['b', 'c']];
  const at = layeredLayout(['a', 'b', 'c', 'd'], edges, spacing);
  expect(crossings(edges, at)).toBe(0);
});

it('lays out a cycle and ignores unknown steps and self-loops instead of failing', () => {
  const at = layeredLayout(['a', 'b', 'c'], [['a', 'b'], ['b', 'a'], ['c', 'c'], ['ghost', 'c']], spacing);
  expect(Object.keys(at)).toEqual(['a', 'b', 'c']);
  expect(new Set(Object.values(at).map((p) => `${p.x},${p.y}`)).size).toBe(3);
});

it('places a layer nearest to where its nodes want to be, never closer than a pitch', () => {
  expect(placeApart([0, 500], 100)).toEqual([0, 500]); // far enough apart: as wanted
  expect(placeApart([50, 50], 100)).toEqual([0, 100]); // both want 50: centred on it
  expect(placeApart([0, 10, 20], 100)).toEqual([-90, 10, 110]); // the mean 10 kept, one pitch apart
  expect(placeApart([0, 10, 1000], 100)).toEqual([-45, 55, 1000]); // only the crowded pair moves
});
