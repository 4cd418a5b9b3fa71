import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ELK from 'elkjs/lib/elk.bundled.js';
import { expect, it } from 'vitest';
import { layoutGraph, layoutKey, elkUpTo, nodeSize } from '../src/model/layout';
import { parsePipeline } from '../src/model/pipelineGraph';

it('lays every step out below the steps it needs, without overlaps', async () => {
  const graph = parsePipeline(readFileSync(join(__dirname, '../../pipelines/lifecycle.yaml'), 'utf8')).graph;
  const positions = await layoutGraph(new ELK(), graph);
  expect(Object.keys(positions).sort()).toEqual(graph.steps.map((s) => s.id).sort());
  for (const e of graph.edges) expect(positions[e.target].y, `${e.source} > ${e.target}`).toBeGreaterThan(positions[e.source].y);
  const boxes = Object.values(positions);
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const apart = Math.abs(boxes[i].x - boxes[j].x) >= nodeSize.width || Math.abs(boxes[i].y - boxes[j].y) >= nodeSize.height;
      expect(apart).toBe(true);
    }
  }
});

it('lays a pipeline too large to keep its file order out as well: below its needs, without overlaps', async () => {
  const count = elkUpTo + 50;
  let text = 'steps:\n';
  for (let i = 0; i < count; i++) text += `  s${i}: { uses: core.noop@1${i > 0 ? `, needs: s${Math.floor((i - 1) / 2)}` : ''} }\n`;
  const graph = parsePipeline(text).graph;
  const positions = await layoutGraph(new ELK(), graph);
  expect(Object.keys(positions)).toHaveLength(count);
  for (const e of graph.edges) expect(positions[e.target].y, `${e.source} > ${e.target}`).toBeGreaterThan(positions[e.source].y);
  const boxes = Object.values(positions);
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      expect(Math.abs(boxes[i].x - boxes[j].x) >= nodeSize.width || Math.abs(boxes[i].y - boxes[j].y) >= nodeSize.height).toBe(true);
    }
  }
});

it('lays out a graph with a cycle instead of failing (the validator reports the cycle)', async () => {
  const graph = parsePipeline('steps:\n  a: { uses: core.noop@1, needs: b }\n  b: { uses: core.noop@1, needs: a }\n').graph;
  expect(Object.keys(await layoutGraph(new ELK(), graph))).toEqual(['a', 'b']);
});

it('keys the layout on structure only', () => {
  const a = parsePipeline('steps:\n  a: { uses: core.noop@1 }\n  b: { uses: core.echo@1, with: { message: x } }\n').graph;
  const b = parsePipeline('steps:\n  a: { uses: core.noop@1 }\n  b: { uses: core.echo@1, with: { message: y } }\n').graph;
  const c = parsePipeline('steps:\n  a: { uses: core.noop@1 }\n  b: { uses: core.echo@1, needs: a }\n').graph;
  expect(layoutKey(a)).toBe(layoutKey(b));
  expect(layoutKey(a)).not.toBe(layoutKey(c));
});
