import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copySteps, freeId, pasteSteps } from '../src/model/clipboard';
import { newPipelineText } from '../src/model/pipelineEdits';
import { parsePipeline, type ParsedPipeline } from '../src/model/pipelineGraph';
import { applyChanges, changeBetween } from '../src/model/textEdits';

const folder = join(__dirname, '../../pipelines');
const files = readdirSync(folder).filter((f) => f.endsWith('.yaml')).sort();
const edges = (p: ParsedPipeline) => p.graph.edges.map((e) => `${e.source}>${e.target}:${e.kind}`).sort();

function paste(target: ParsedPipeline, clipboard: string) {
  const result = pasteSteps(target, clipboard);
  const after = parsePipeline(applyChanges(target.text, result.changes));
  expect(after.graph.problems).toEqual([]);
  return { ...result, after };
}

describe.each(files)('%s', (file) => {
  const text = readFileSync(join(folder, file), 'utf8');
  const parsed = parsePipeline(text);
  const ids = parsed.graph.steps.map((s) => s.id);

  it('copies a step as its lines, byte for byte, and pastes it back as a renamed copy at the end', () => {
    for (const id of ids) {
      const copied = copySteps(parsed, [id]);
      expect(text).toContain(copied);
      const { after, ids: pasted, message } = paste(parsed, copied);
      expect(pasted).toEqual([freeId(id, new Set(ids))]);
      expect(after.graph.steps.map((s) => s.id)).toEqual([...ids, pasted[0]]);
      // A pure insertion: every byte of the file is still there, in order.
      const { from, to } = changeBetween(text, after.text);
      expect(to).toBe(from);
      expect(after.doc.getIn(['steps', pasted[0], 'uses'])).toBe(parsed.doc.getIn(['steps', id, 'uses']));
      // The copy keeps the original's comments.
      expect(after.text.match(/#.*$/gm)?.length ?? 0).toBe((text.match(/#.*$/gm)?.length ?? 0) + (copied.match(/#.*$/gm)?.length ?? 0));
      expect(message).toContain(`${id} → ${pasted[0]}`);
    }
  });

  it('pastes every step again as a second graph of the same shape, its needs and reads on the copies', () => {
    const { after, ids: pasted } = paste(parsed, copySteps(parsed, ids));
    const renamed = new Map(ids.map((id, i) => [id, pasted[i]]));
    const copyEdges = edges(after).filter((e) => pasted.includes(e.split(/[>:]/)[1]));
    expect(copyEdges).toEqual(edges(parsed).map((e) => e.replace(/^(\w+)>(\w+)/, (_, s: string, t: string) => `${renamed.get(s)}>${renamed.get(t)}`)).sort());
  });
});

describe('pasting steps', () => {
  const tour = parsePipeline(readFileSync(join(folder, 'tour.yaml'), 'utf8'));
  const copied = copySteps(tour, ['nap', 'report']);

  it('keeps needs on steps the target has and drops needs on steps that exist nowhere, saying so', () => {
    const target = parsePipeline(`${newPipelineText('other')}`.replace('steps: {}', 'steps:\n  start:\n    uses: core.noop@1'));
    const { after, ids, message } = paste(target, copySteps(tour, ['nap', 'report', 'finish']));
    expect(ids).toEqual(['nap', 'report', 'finish']);
    expect(after.graph.steps.find((s) => s.id === 'nap')?.needs).toEqual(['start']);
    expect(after.graph.steps.find((s) => s.id === 'report')?.needs).toEqual(['nap']);
    expect(after.graph.steps.find((s) => s.id === 'finish')?.needs).toEqual(['report']);
    expect(message).toContain('dropped needs of steps that exist nowhere here: finish needed notify');
    // Reads of steps that are not here stay: the validator reports them where they are.
    expect(after.text).toContain('steps.sweep.outputs.best.message');
  });

  it('pastes into an empty pipeline, turning steps: {} into a block', () => {
    const { after } = paste(parsePipeline(newPipelineText('empty')), copied);
    expect(after.text).toBe(`apiVersion: pipelines/v1\nkind: Pipeline\nmetadata:\n  name: empty\nsteps:\n${copied.replace('    needs: [start]                       # an explicit edge, in addition to those implied by expressions\n', '')}`);
  });

  it('renames colliding pasted steps together with the needs and reads among them', () => {
    const { after, ids } = paste(tour, copySteps(tour, ['start', 'sweep']));
    expect(ids).toEqual(['start_2', 'sweep_2']);
    expect(after.doc.getIn(['steps', 'sweep_2', 'with', 'message'])).toBe('${{ steps.start_2.outputs.message }} size=${{ matrix.size }} style=${{ matrix.style }}');
    expect(freeId('train_2', new Set(['train_2', 'train_3']))).toBe('train_4');
  });

  it('reads the steps of a whole pipeline, and steps indented as the editor holds them', () => {
    const whole = paste(tour, readFileSync(join(folder, 'tour.yaml'), 'utf8'));
    expect(whole.ids).toHaveLength(tour.graph.steps.length);
    // A selection in the editor that starts at the key has lost the key line's indentation, not the others'.
    const deep = paste(tour, 'echo:\n    uses: core.echo@1\n    with: { message: hi }\n');
    expect(deep.after.doc.getIn(['steps', 'echo', 'with', 'message'])).toBe('hi');
    expect(deep.after.text.endsWith('\n  echo:\n      uses: core.echo@1\n      with: { message: hi }\n')).toBe(true);
  });

  it('refuses what is not steps with a message that says what to copy', () => {
    expect(() => pasteSteps(tour, 'just some words')).toThrow(/holds no steps: copy steps on the canvas/);
    expect(() => pasteSteps(tour, 'a: [unclosed')).toThrow(/not YAML the designer can paste/);
    expect(() => pasteSteps(tour, 'Train:\n  uses: core.noop@1\n')).toThrow(/'Train' is not a step id/);
  });
});
