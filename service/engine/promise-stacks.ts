/**
 * `@pulumi/pulumi` wraps every promise of a program run (each RPC, each property it serializes) in
 * `debuggablePromise`, which formats `new Error().stack` at once for its promise-leak report. With the
 * SDK's source-map-support installed, formatting maps every frame through source maps: measured 25–60 ms
 * of CPU per request in the service process (tools/bench/README.md, "Profile"). The text is only read
 * when a run exits with leaked promises.
 *
 * Here the wrapper formats an empty stack instead (`Error.stackTraceLimit = 0` for the length of the call);
 * everything else (the leak tracking, the report's context line) is Pulumi's own code. With
 * `PULUMI_DEBUG_PROMISE_LEAKS` set — what the leak report tells users to set — stacks are kept in full.
 * The SDK calls the function through its module's exports, so replacing the export reaches every caller.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const debuggable = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise: (p: Promise<unknown>, ctx: unknown) => Promise<unknown>; debugPromiseLeaks: boolean };

let installed = false;

/** Installs the cheaper wrapper once per process (no-op when leak debugging is on). */
export function installCheapPromiseStacks(): void {
  if (installed || debuggable.debugPromiseLeaks) return;
  installed = true;
  const original = debuggable.debuggablePromise;
  debuggable.debuggablePromise = function (p: Promise<unknown>, ctx: unknown): Promise<unknown> {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      return original(p, ctx);
    } finally {
      Error.stackTraceLimit = limit;
    }
  };
}
