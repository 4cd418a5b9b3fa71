// Which problems the designer shows for the current text: the parser's (at once) and the server's verdict (one round
// trip after the change), each attached to the step whose lines hold it. Pure, so the rule is tested.
import { stepAtLine, type ParsedPipeline, type Problem } from './pipelineGraph';

/** The server's answer to `POST /api/definitions/validate` and the text it was asked about. */
export interface Verdict {
  text: string;
  problems: Problem[];
}

/**
 * The server checks everything the parser does and more, so its verdict on this very text is the list. While it checks
 * a newer text, its last verdict stays (no flicker as you type) with the parser's YAML syntax errors on other lines,
 * which show at once; before any verdict, everything the parser found.
 */
export function currentProblems(parsed: ParsedPipeline, verdict: Verdict | null): Problem[] {
  const local = parsed.graph.problems;
  let found: Problem[];
  if (verdict === null) found = local;
  else if (verdict.text === parsed.text) found = verdict.problems;
  else {
    const lines = new Set(verdict.problems.map((p) => p.line));
    found = [...verdict.problems, ...local.filter((p) => p.code === 'YAML' && !lines.has(p.line))];
  }
  return found.map((p) => ({ ...p, step: stepAtLine(parsed.graph.steps, p.line) })).sort((a, b) => a.line - b.line || a.column - b.column);
}
