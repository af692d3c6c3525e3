/**
 * Keeps concurrent inline programs in one process from failing each other.
 *
 * Pulumi's `LanguageServer.run` collects a program's errors with process-wide `unhandledRejection` /
 * `uncaughtException` listeners added for the length of the run. Two runs at once (the service reconciles
 * requests in parallel) each receive every rejection, so one request's failing workflow also failed the
 * request reconciled beside it ("One or more errors occurred: … beta is broken" on alpha).
 *
 * Each run executes inside `runIsolated(id, …)`. A promise hook records which run created every promise,
 * and the listeners added during a run only hear rejections of promises that run created (or whose origin
 * is unknown, as before). Uncaught exceptions carry no promise and still reach every listener.
 */
import { AsyncLocalStorage, createHook } from "node:async_hooks";

const current = new AsyncLocalStorage<number>();
const origin = new WeakMap<object, number>();
type Listener = (...args: unknown[]) => void;
const wrapped = new WeakMap<Listener, Listener>();
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  createHook({
    init(_id, type, _trigger, resource) {
      if (type !== "PROMISE") return;
      const run = current.getStore();
      if (run === undefined) return;
      const p = (resource as { promise?: object }).promise ?? resource;
      origin.set(p as object, run);
    },
  }).enable();
  const on = process.on.bind(process);
  const off = process.off.bind(process);
  const filtered = (event: string | symbol, listener: Listener): Listener => {
    const run = current.getStore();
    if (event !== "unhandledRejection" || run === undefined) return listener;
    const w: Listener = (reason, promise) => {
      const owner = promise && typeof promise === "object" ? origin.get(promise) : undefined;
      if (owner === undefined || owner === run) listener(reason, promise);
    };
    wrapped.set(listener, w);
    return w;
  };
  process.on = ((event: string | symbol, listener: Listener) => on(event as never, filtered(event, listener) as never)) as typeof process.on;
  process.addListener = process.on;
  process.off = ((event: string | symbol, listener: Listener) => off(event as never, (wrapped.get(listener) ?? listener) as never)) as typeof process.off;
  process.removeListener = process.off;
}

let next = 0;

/** Runs `fn` as its own run: unhandled rejections of promises it creates reach only its own listeners. */
export function runIsolated<T>(fn: () => T): T {
  install();
  return current.run(++next, fn);
}

/** The run a promise was created in (tests). */
export function originOf(p: object): number | undefined {
  return origin.get(p);
}
