/** Loading data for a page, and how a failed load is shown. */
import { useEffect, useState } from "preact/hooks";
import { ApiError } from "../api";

export interface Loaded<T> {
  value?: T;
  error?: unknown;
  reload: () => void;
}

export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ value?: T; error?: unknown }>({});
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    load().then(
      (value) => live && setState({ value }),
      (error) => live && setState({ error }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return { ...state, reload: () => setTick((t) => t + 1) };
}

export function Failure({ error }: { error: unknown }) {
  const message = error instanceof ApiError ? `${error.code}: ${error.message}` : String(error);
  return (
    <p role="alert" class="error">
      {message}
    </p>
  );
}
