// The designer's keyboard shortcuts, one table: the help dialog lists it, the hook binds it. Inside the YAML view
// CodeMirror's own keys (undo, search, completion) apply; these work everywhere else.
import { useEffect } from 'react';

export const shortcuts: [keys: string, what: string][] = [
  ['Ctrl+Z', 'Undo the last change of the document (canvas, form or text)'],
  ['Ctrl+Shift+Z or Ctrl+Y', 'Redo'],
  ['Ctrl+S', 'Save a draft on the server (under metadata.name; never run by schedules)'],
  ['Ctrl+K', 'Search the activities'],
  ['Enter on an activity', 'Add it as a step'],
  ['Delete or Backspace', 'Delete the selected steps or needs edge'],
  ['Ctrl+click, Shift+drag', 'Select several steps on the canvas'],
  ['Ctrl+C / Ctrl+X (on the canvas)', 'Copy / cut the selected steps as YAML text, comments included'],
  ['Ctrl+V (on the canvas)', 'Paste steps at the end of steps: (taken ids get _2, needs among them follow)'],
  ['Ctrl+D (on the canvas)', 'Duplicate the selected steps'],
  ['Tab / Shift+Tab', 'Move between controls, canvas nodes included'],
  ['Ctrl+Space (in the YAML)', 'Complete an expression inside ${{ }}'],
  ['?', 'This help'],
];

export interface ShortcutActions {
  undo(): void;
  redo(): void;
  help(): void;
  search(): void;
  save(): void;
}

export function useShortcuts(actions: ShortcutActions) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target instanceof Element ? e.target : null;
      if (target?.closest('.cm-editor') && !((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 's')) return; // the editor's own keys
      const typing = !!target?.closest('input, textarea, select');
      const mod = e.ctrlKey || e.metaKey;
      const key = e.key.toLowerCase();
      if (mod && key === 'k') actions.search();
      else if (mod && key === 's') actions.save();
      else if (typing) return;
      else if (mod && key === 'z' && !e.shiftKey) actions.undo();
      else if (mod && (key === 'y' || (key === 'z' && e.shiftKey))) actions.redo();
      else if (e.key === '?') actions.help();
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [actions]);
}
