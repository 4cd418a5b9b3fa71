// Validation as you type: the server's verdict on the text. Each change is sent at once, with at most one request in
// flight per tab: a text typed while one is checked waits for it, and only the latest waiting text goes next. So a
// verdict follows a keystroke by one round trip (no waiting for a pause in the typing), and a fast typist on a large
// file costs the server one check at a time, never a queue of stale ones. The editor submits its text as the key is
// typed, before the designer re-reads it, so the server checks while the page redraws; any other change of the text
// (a form, the canvas, opening a file) is sent once it is rendered.
import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../api/client';
import type { Verdict } from '../model/problems';

export function useValidation(text: string, onError: (e: unknown) => void) {
  const [verdict, setVerdict] = useState<Verdict | null>(null);
  const [status, setStatus] = useState('');
  const state = useRef({ busy: false, waiting: null as string | null, submitted: null as string | null, abort: new AbortController() });
  const latestError = useRef(onError);
  latestError.current = onError;

  useEffect(() => {
    const abort = new AbortController();
    state.current.abort = abort;
    state.current.submitted = null; // a check cut off by leaving is sent again on return
    return () => abort.abort();
  }, []);

  const submit = useCallback((next: string) => {
    const s = state.current;
    if (next === s.submitted) return;
    s.submitted = next;
    const check = (sent: string) => {
      s.busy = true;
      setStatus('checking…');
      const signal = s.abort.signal;
      api.validate(sent, signal).then((problems) => {
        setVerdict({ text: sent, problems });
        // "valid" speaks of the text on screen: while a newer text waits, it is still being checked.
        if (s.waiting === null) setStatus(problems.length === 0 ? 'valid' : '');
      }, (e) => {
        if (signal.aborted) return;
        setStatus('not checked');
        latestError.current(e);
      }).finally(() => {
        s.busy = false;
        const waiting = s.waiting;
        s.waiting = null;
        if (waiting !== null && !s.abort.signal.aborted) check(waiting);
      });
    };
    if (s.busy) s.waiting = next;
    else check(next);
  }, []);

  useEffect(() => submit(text), [text, submit]);
  return { verdict, status, submit };
}
