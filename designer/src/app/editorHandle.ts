import type { TextChange } from '../model/textEdits';

/** What the app asks of the YAML view: apply canvas edits as one transaction (one undo step), undo, redo, show a line. */
export interface EditorHandle {
  apply(changes: readonly TextChange[]): void;
  undo(): void;
  redo(): void;
  showLine(line: number): void;
}
