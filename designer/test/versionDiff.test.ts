import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { contentHash, defaultPair, diffVersions, type VersionDiff } from '../src/model/versionDiff';

const before = `apiVersion: pipelines/v1
kind: Pipeline
metadata:
  name: mail
params:
  who: { type: string, default: world }
steps:
  fetch:
    uses: core.echo@1
    with:
      message: fetch
  draft:
    uses: core.echo@1
    needs: fetch
    with:
      message: hello \${{ params.who }}
  nap:
    uses: core.sleep@1
    needs: [draft]
    with:
      seconds: 1
  send:
    uses: core.echo@1
    needs: [nap]
`;

const status = (diff: VersionDiff) => Object.fromEntries(diff.steps.map((s) => [s.id, s.status]));
const fields = (diff: VersionDiff, id: string) => diff.steps.find((s) => s.id === id)?.fields;
const edges = (diff: VersionDiff) => diff.edges.map((e) => `${e.source}>${e.target}:${e.kind}:${e.status}`).sort();

it('tells added, removed, changed and unchanged steps apart, with the fields that changed', () => {
  const after = before
    .replace('message: hello ${{ params.who }}', 'message: hi ${{ params.who }}')
    .replace(/ {2}nap:\n(?: {4}.*\n)+/, '')
    .replace('needs: [nap]', 'needs: [draft]')
    + '  review:\n    uses: gate.human@1\n    needs: [send]\n';
  const diff = diffVersions(before, after);

  expect(status(diff)).toEqual({ fetch: 'unchanged', draft: 'changed', nap: 'removed', send: 'changed', review: 'added' });
  expect(fields(diff, 'draft')).toEqual(['with.message']);
  expect(fields(diff, 'send')).toEqual(['needs']);
  expect(fields(diff, 'fetch')).toEqual([]);
  expect(diff.counts).toEqual({ added: 1, removed: 1, changed: 2, unchanged: 1 });
  expect(diff.pipelineFields).toEqual([]);
  expect(diff.unreadable).toEqual([]);
});

it('keeps the order of both files: a removed step stays after the step it followed', () => {
  const after = before.replace(/ {2}nap:\n(?: {4}.*\n)+/, '');
  expect(diffVersions(before, after).steps.map((s) => s.id)).toEqual(['fetch', 'draft', 'nap', 'send']);
  expect(diffVersions(before, after).graph.steps.map((s) => s.id)).toEqual(['fetch', 'draft', 'nap', 'send']);
});

it('shows a renamed step as one removed and one added, and the steps that named it as changed', () => {
  const after = before.replace('  draft:\n', '  compose:\n').replace('needs: [draft]', 'needs: [compose]');
  const diff = diffVersions(before, after);
  expect(status(diff)).toEqual({ fetch: 'unchanged', draft: 'removed', compose: 'added', nap: 'changed', send: 'unchanged' });
  expect(fields(diff, 'nap')).toEqual(['needs']);
  expect(edges(diff)).toContain('fetch>draft:needs:removed');
  expect(edges(diff)).toContain('fetch>compose:needs:added');
  expect(edges(diff)).toContain('draft>nap:needs:removed');
  expect(edges(diff)).toContain('compose>nap:needs:added');
});

it('counts comment-only and formatting-only edits as unchanged: comments, quoting, flow or block, key order, needs as one name or a list', () => {
  const after = `# the mail pipeline, reformatted
apiVersion: "pipelines/v1"
kind: Pipeline
metadata: { name: mail }   # same name
params:
  who:
    default: world
    type: string
steps:
  fetch: { uses: core.echo@1, with: { message: 'fetch' } }
  draft:
    # needs written as a list now
    needs: [fetch]
    with:
      message: "hello \${{ params.who }}"
    uses: core.echo@1
  nap:
    uses: core.sleep@1
    needs: draft
    with: { seconds: 1 }
  send:
    uses: core.echo@1
    needs:
      - nap
`;
  const diff = diffVersions(before, after);
  expect(diff.counts).toEqual({ added: 0, removed: 0, changed: 0, unchanged: 4 });
  expect(diff.pipelineFields).toEqual([]);
  expect(diff.edges.every((e) => e.status === 'unchanged')).toBe(true);
});

it('sees the same needs in another order as unchanged, and a need added or removed as a changed step with its edge', () => {
  const twoNeeds = before.replace('needs: [nap]', 'needs: [nap, fetch]');
  expect(status(diffVersions(twoNeeds, twoNeeds.replace('needs: [nap, fetch]', 'needs: [fetch, nap]'))).send).toBe('unchanged');

  const added = diffVersions(before, twoNeeds);
  expect(status(added).send).toBe('changed');
  expect(fields(added, 'send')).toEqual(['needs']);
  expect(edges(added).filter((e) => !e.endsWith(':unchanged'))).toEqual(['fetch>send:needs:added']);

  const removed = diffVersions(twoNeeds, before);
  expect(edges(removed).filter((e) => !e.endsWith(':unchanged'))).toEqual(['fetch>send:needs:removed']);
});

it('sees a read of another step added in an expression as a changed input and an added implied edge', () => {
  const after = before.replace('    needs: [nap]\n', '    needs: [nap]\n    with:\n      message: ${{ steps.fetch.outputs.message }}\n');
  const diff = diffVersions(before, after);
  expect(fields(diff, 'send')).toEqual(['with']);
  expect(edges(diff).filter((e) => !e.endsWith(':unchanged'))).toEqual(['fetch>send:expression:added']);
});

it('names every kind of step field that changed: uses, when, retry below it, and a value that only changed type', () => {
  const after = before
    .replace('uses: core.sleep@1', 'uses: core.sleep@2\n    when: ${{ params.who != \'\' }}\n    retry: { max: 2 }')
    .replace('seconds: 1', 'seconds: "1"');
  const withRetry = before.replace('uses: core.sleep@1', 'uses: core.sleep@1\n    retry: { max: 1 }');
  expect(fields(diffVersions(before, after), 'nap')).toEqual(['uses', 'with.seconds', 'when', 'retry']);
  expect(fields(diffVersions(withRetry, withRetry.replace('max: 1', 'max: 3')), 'nap')).toEqual(['retry.max']);
});

it('lists the pipeline fields outside the steps that changed', () => {
  const after = before.replace('default: world', 'default: team').replace('  name: mail\n', '  name: mail\n  description: mail the team\n');
  const diff = diffVersions(before, after);
  expect(diff.pipelineFields).toEqual(['metadata.description', 'params.who']);
  expect(diff.counts.unchanged).toBe(4);
});

it('compares what it can read of a text with a syntax error, and says which side has it', () => {
  const broken = before.replace('  send:\n', '  send:\n   bad: [\n');
  const diff = diffVersions(before, broken);
  expect(diff.unreadable).toHaveLength(1);
  expect(diff.unreadable[0]).toMatch(/^B has a YAML error at line \d+/);
  expect(status(diff).fetch).toBe('unchanged');
});

it('compares an empty text with a pipeline: every step added', () => {
  const diff = diffVersions('', before);
  expect(diff.counts).toEqual({ added: 4, removed: 0, changed: 0, unchanged: 0 });
  expect(diff.edges.every((e) => e.status === 'added')).toBe(true);
});

describe('every real pipeline', () => {
  const folder = join(__dirname, '../../pipelines');
  const files = readdirSync(folder).filter((f) => f.endsWith('.yaml')).sort();
  it.each(files)('%s is unchanged against itself re-printed by another YAML writer', (file) => {
    const text = readFileSync(join(folder, file), 'utf8');
    const reprinted = parseDocument(text).toString({ indent: 4, flowCollectionPadding: false, defaultStringType: 'QUOTE_DOUBLE' });
    expect(reprinted).not.toBe(text);
    const diff = diffVersions(text, reprinted);
    expect(diff.counts.unchanged).toBeGreaterThan(0);
    expect(diff.counts).toEqual({ added: 0, removed: 0, changed: 0, unchanged: diff.steps.length });
    expect(diff.pipelineFields).toEqual([]);
  });
});

describe('defaultPair', () => {
  const versions = [
    { version: 3, retractedAt: '2026-01-03T00:00:00.000Z' },
    { version: 2, retractedAt: null },
    { version: 1, retractedAt: null },
  ];
  it('compares the latest live version with the editor text', () => {
    expect(defaultPair(versions, false)).toEqual({ a: 2, b: 'text' });
  });
  it('compares the version before it with the latest, when the text is the latest', () => {
    expect(defaultPair(versions, true)).toEqual({ a: 1, b: 2 });
  });
  it('compares the only version with the text, and nothing when nothing is published', () => {
    expect(defaultPair([{ version: 1, retractedAt: null }], true)).toEqual({ a: 1, b: 'text' });
    expect(defaultPair([], false)).toBeNull();
  });
});

it('hashes a text as the server does: SHA-256 hex of the text with \\n line endings', async () => {
  const text = 'apiVersion: pipelines/v1\r\nkind: Pipeline\r\n';
  expect(await contentHash(text)).toBe(createHash('sha256').update(text.replaceAll('\r\n', '\n')).digest('hex'));
  expect(await contentHash('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});
