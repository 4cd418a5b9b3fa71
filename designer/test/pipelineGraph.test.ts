import { describe, expect, it } from 'vitest';
import { visit, type Document } from 'yaml';
import { parsePipeline, readIncrementally } from '../src/model/pipelineGraph';

/** Every node's place in the text, in document order: two readings of one text must agree on all of them. */
function places(doc: Document.Parsed): string[] {
  const found: string[] = [`doc ${doc.range}`];
  visit(doc, { Node: (_, node) => void found.push(`${node.constructor.name} ${node.range}`) });
  return found;
}

const pipeline = `apiVersion: pipelines/v1
kind: Pipeline
metadata:
  name: incremental
params:
  who: { type: string, default: world }
steps:
  fetch:
    uses: core.echo@1
    with:
      message: hello \${{ params.who }}
  # a comment between steps, at the steps' indentation

  draft:
    uses: core.echo@1
    name: Draft it
    needs: [fetch]
    with:
      message: |
        a block scalar
          draft: not a step
        \${{ steps.fetch.outputs.message }}
  review:
    uses: core.echo@1
    needs:
      - draft
      - fetch
    matrix:
      size: [1, 2]
    with:
      message: "\${{ steps.draft.outputs.message }} again"
# a comment at column 0
  send:
    uses: core.echo@1
    needs: review
triggers:
  - schedule: "0 0 3 ? * SUN"
`;

/** A small deterministic generator, so a failure reproduces. */
function random(seed: number) {
  let state = seed;
  return (n: number) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % n;
  };
}

const pieces = ['a', ' ', '\n', ':', '-', '#', '$', '{', '}', '&x ', '*x', '|', '"', '[', ']', ',', '\n  extra:\n    uses: core.echo@1\n', '\n    needs: [send]', 'steps.fetch', '    ', '\t'];

describe('reading a text one step at a time', () => {
  it('gives the graph a whole reading gives, over a thousand random edits', () => {
    const next = random(7);
    let text = pipeline;
    let previous = parsePipeline(text);
    let incremental = 0;
    for (let i = 0; i < 1000; i++) {
      // Edits mostly inside the steps, where typing happens; now and then anywhere.
      const stepsAt = text.indexOf('steps:');
      const at = next(4) === 0 || stepsAt < 0 ? next(text.length + 1) : stepsAt + next(Math.max(1, text.length - stepsAt) + 1);
      const edit = next(3);
      const changed = edit === 0 ? text.slice(0, at) + text.slice(at + 1 + next(3))
        : text.slice(0, at) + (next(2) === 0 ? 'abcxyz'[next(6)] : pieces[next(pieces.length)]) + text.slice(at);
      // Half the time the previous document was asked for, so the next reading moves it rather than leave it unread.
      if (i % 2 === 0) void previous.doc;
      const read = parsePipeline(changed, previous);
      const whole = parsePipeline(changed);
      expect(read.graph, `edit ${i} at ${at}`).toEqual(whole.graph);
      if (readIncrementally(read)) {
        incremental++;
        expect(read.doc.toJSON(), `edit ${i}`).toEqual(whole.doc.toJSON());
        expect(places(read.doc), `edit ${i}`).toEqual(places(whole.doc));
        expect(read.lines.lineStarts, `edit ${i}`).toEqual(whole.lines.lineStarts);
      }
      // Back to the clean text after a syntax error and now and then, so the edits do not drift into a text that is
      // all errors (from which nothing is read one step at a time).
      const broken = whole.graph.problems.some((p) => p.code === 'YAML');
      [text, previous] = broken || i % 50 === 49 ? [pipeline, parsePipeline(pipeline)] : [changed, read];
    }
    expect(incremental).toBeGreaterThan(300);
  });

  it('reads a keystroke in a step body incrementally and the whole document only when asked', () => {
    const first = parsePipeline(pipeline);
    const typed = pipeline.replace('name: Draft it', 'name: Draft itx');
    const read = parsePipeline(typed, first);
    expect(readIncrementally(read)).toBe(true);
    expect(read.graph.steps.find((s) => s.id === 'draft')?.name).toBe('Draft itx');
    expect(read.doc.getIn(['steps', 'draft', 'name'])).toBe('Draft itx');
    expect(read.lines.linePos(typed.indexOf('  send:')).line).toBe(typed.slice(0, typed.indexOf('  send:')).split('\n').length);
  });

  it('moves what follows an edit that ends where the next step begins', () => {
    // The blank line before a step, and the one before the top-level key after the steps, deleted.
    for (const [before, after] of [
      [pipeline, pipeline.replace('indentation\n\n  draft:', 'indentation\n  draft:')],
      [pipeline.replace('needs: review\n', 'needs: review\n\n'), pipeline],
    ]) {
      const first = parsePipeline(before);
      void first.doc;
      const read = parsePipeline(after, first);
      expect(readIncrementally(read)).toBe(true);
      expect(places(read.doc)).toEqual(places(parsePipeline(after).doc));
    }
  });

  it('reads the whole text when the edit renames a step, adds one, or leaves the steps', () => {
    const first = parsePipeline(pipeline);
    for (const changed of [
      pipeline.replace('  draft:\n', '  drafted:\n'),
      pipeline.replace('    needs: review\n', '    needs: review\n  more:\n    uses: core.echo@1\n'),
      pipeline.replace('name: incremental', 'name: incrementally'),
      pipeline.replace('    uses: core.echo@1\n    name: Draft it', '    uses: core.echo@1\n    name: &a Draft it'),
    ]) {
      const read = parsePipeline(changed, first);
      expect(readIncrementally(read)).toBe(false);
      expect(read.graph).toEqual(parsePipeline(changed).graph);
    }
  });
});
