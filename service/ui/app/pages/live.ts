/** Server-Sent Events from the API (the session cookie goes along), closed when the page goes away. */
import { useEffect, useRef } from "preact/hooks";

export function useEvents(url: string | undefined, onEvent: (type: string, data: unknown) => void, types: string[]): void {
  const handler = useRef(onEvent);
  handler.current = onEvent;
  useEffect(() => {
    if (!url) return;
    const es = new EventSource(url);
    const listeners = types.map((t) => {
      const l = (e: MessageEvent): void => {
        // The API's `error` events are messages; EventSource's own connection errors are not.
        if (!(e instanceof MessageEvent)) return;
        let data: unknown;
        try {
          data = JSON.parse(String(e.data));
        } catch {
          data = e.data;
        }
        handler.current(t, data);
      };
      es.addEventListener(t, l as EventListener);
      return l;
    });
    // A refused stream (e.g. the session expired) closes; a read tells the page why.
    es.onerror = () => {
      if (es.readyState === EventSource.CLOSED) handler.current("closed", null);
    };
    return () => {
      types.forEach((t, i) => es.removeEventListener(t, listeners[i] as EventListener));
      es.close();
    };
  }, [url]);
}

/** Calls `f` at most once per `ms` (trailing). */
export function useThrottled(f: () => void, ms: number): () => void {
  const timer = useRef<number | undefined>(undefined);
  const fn = useRef(f);
  fn.current = f;
  useEffect(() => () => window.clearTimeout(timer.current), []);
  return () => {
    if (timer.current !== undefined) return;
    timer.current = window.setTimeout(() => {
      timer.current = undefined;
      fn.current();
    }, ms);
  };
}
