// ${{ }} expressions as the designer needs them: where they are in a scalar, and which steps they read (each read is
// an implied need, drawn dashed on the canvas). The server's validator (Jint parse) stays the judge of syntax.

/** One `${{ ... }}` in a scalar: its body and where the body starts in that scalar. */
export interface ExpressionSpan {
  body: string;
  offset: number;
}

const expressionPattern = /\$\{\{([\s\S]*?)\}\}/g;
const stepReference = /(?<![\w$.])steps\s*\.\s*([a-z][a-z0-9_]*)/g;

export function expressionsIn(text: string): ExpressionSpan[] {
  return [...text.matchAll(expressionPattern)].map((m) => ({ body: m[1], offset: m.index + 3 }));
}

/** The step ids a scalar's expressions read (`steps.ID...`), in order of first appearance. */
export function stepsReadBy(text: string): string[] {
  const ids = new Set<string>();
  for (const { body } of expressionsIn(text)) {
    for (const m of body.matchAll(stepReference)) ids.add(m[1]);
  }
  return [...ids];
}

/** The text with every `steps.FROM` inside an expression renamed to `steps.TO`; text outside expressions is kept. */
export function renameStepReferences(text: string, from: string, to: string): string {
  return text.replace(expressionPattern, (whole: string, body: string) =>
    whole.replace(body, body.replace(stepReference, (ref: string, id: string) => (id === from ? ref.slice(0, -id.length) + to : ref))));
}
