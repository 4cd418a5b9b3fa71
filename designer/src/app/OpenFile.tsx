// Opening a pipeline file from disk: the "Open file…" button (a file input), or a .yaml file dropped on the page. The
// text replaces the document as any edit does (undo brings the previous text back); nothing is saved until Save draft
// or Publish.
import { useEffect, useRef } from 'react';

/** The most a pipeline file may be: the server refuses definitions over 1 MiB. */
const maxBytes = 1024 * 1024;

/** The file's text, or an Error that names the file, what is wrong and what to open instead. */
export async function readPipelineFile(file: File): Promise<string> {
  if (!/\.ya?ml$/i.test(file.name)) throw new Error(`${file.name} is not a .yaml or .yml file: open a pipeline file such as pipelines/lifecycle.yaml`);
  if (file.size > maxBytes) throw new Error(`${file.name} is ${(file.size / 1048576).toFixed(1)} MiB: a pipeline may be at most 1 MiB (the server refuses more)`);
  const text = await file.text();
  if (text.includes('\u0000')) throw new Error(`${file.name} is not a text file: open the pipeline's YAML`);
  return text.replace(/\r\n/g, '\n');
}

export function OpenFileButton({ onOpen, onError }: { onOpen(name: string, text: string): void; onError(message: string): void }) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <button type="button" onClick={() => input.current?.click()}>Open file…</button>
      <input ref={input} type="file" accept=".yaml,.yml" hidden aria-label="Open a pipeline file from disk" onChange={(e) => {
        const file = e.target.files?.[0];
        e.target.value = ''; // the same file opens again next time
        if (file) readPipelineFile(file).then((text) => onOpen(file.name, text), (error: Error) => onError(error.message));
      }} />
    </>
  );
}

/** A .yaml file dropped anywhere on the page but the YAML view (CodeMirror inserts dropped text itself) opens it. */
export function useFileDrop(onOpen: (name: string, text: string) => void, onError: (message: string) => void) {
  const latest = useRef({ onOpen, onError });
  latest.current = { onOpen, onError };
  useEffect(() => {
    const outsideEditor = (e: DragEvent) => !(e.target instanceof Element && e.target.closest('.cm-editor')) && !!e.dataTransfer?.types.includes('Files');
    const onDragOver = (e: DragEvent) => {
      if (outsideEditor(e)) e.preventDefault();
    };
    const onDrop = (e: DragEvent) => {
      if (!outsideEditor(e)) return;
      e.preventDefault();
      const file = e.dataTransfer?.files[0];
      if (file) readPipelineFile(file).then((text) => latest.current.onOpen(file.name, text), (error: Error) => latest.current.onError(error.message));
    };
    window.addEventListener('dragover', onDragOver);
    window.addEventListener('drop', onDrop);
    return () => {
      window.removeEventListener('dragover', onDragOver);
      window.removeEventListener('drop', onDrop);
    };
  }, []);
}
