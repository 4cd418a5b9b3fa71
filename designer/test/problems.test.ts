import { expect, it } from 'vitest';
import { parsePipeline, type Problem } from '../src/model/pipelineGraph';
import { currentProblems } from '../src/model/problems';

const text = 'apiVersion: pipelines/v1\nsteps:\n  a:\n    uses: core.noop@1\n    needs: [ghost]\n  b:\n    uses: core.nothing@1\n';
const server: Problem[] = [
  { code: 'PL3001', message: "unknown activity 'core.nothing'", line: 7, column: 11, severity: 'error' },
  { code: 'PL4001', message: "needs unknown step 'ghost'", line: 5, column: 13, severity: 'error' },
];

it('shows the parser\'s problems until the server answers, then the server\'s, each on its step', () => {
  const parsed = parsePipeline(text);
  expect(currentProblems(parsed, null).map((p) => `${p.code}@${p.step}`)).toEqual(['DESIGNER@a']);
  expect(currentProblems(parsed, { text, problems: server }).map((p) => `${p.line}:${p.code}@${p.step}`)).toEqual(['5:PL4001@a', '7:PL3001@b']);
});

it('keeps the last verdict while a newer text is checked, adding only new YAML syntax errors', () => {
  const edited = parsePipeline(text + '  c: [unclosed\n');
  const shown = currentProblems(edited, { text, problems: server });
  expect(shown.slice(0, 2).map((p) => p.code)).toEqual(['PL4001', 'PL3001']);
  expect(shown.slice(2).every((p) => p.code === 'YAML' && p.line >= 8)).toBe(true);
  expect(shown.length).toBeGreaterThan(2);
  expect(shown.some((p) => p.code === 'DESIGNER')).toBe(false);
});
