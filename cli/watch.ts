/**
 * `--watch`: follows a request's event stream and prints progress until it is Ready or Stalled (or, for
 * a delete, gone). Subscribes first, then reads the current state, so an outcome reached before the
 * subscription is not missed; reconnects if the stream ends early.
 */
import { PlinthError } from "../components/errors";
import type { RequestEvent, RequestKey, RequestObject } from "../service/core/types";
import { condition, eventOutcome, outcomeOf, statusOf } from "../service/http/readiness";
import { ApiError, requestPath, type ApiClient } from "./client";
import type { CliIO } from "./io";
import { readSse } from "./sse";

export type WatchOutcome = "ready" | "stalled" | "suspended" | "deleted";

export interface WatchOptions {
  until: "ready" | "deleted";
  /** For `until: "ready"`: ignore statuses that describe an older generation. */
  minGeneration?: number;
  timeoutMs?: number;
}

function clock(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().slice(11, 19);
}

export function formatEventLine(e: RequestEvent): string {
  let text = e.message;
  const status = e.type === "status" ? statusOf(e.data) : undefined;
  if (status) {
    const ready = condition(status, "Ready");
    const stalled = condition(status, "Stalled");
    const c = stalled?.status === "True" ? stalled : ready;
    if (c) text = `${c.type}=${c.status} ${c.reason}${c.message ? `: ${c.message}` : ""}`;
  }
  return `  ${clock(e.time)}  ${e.type.padEnd(8)} ${text}\n`;
}

async function currentState(client: ApiClient, key: RequestKey, opts: WatchOptions): Promise<WatchOutcome | undefined> {
  try {
    const { body } = await client.request<RequestObject>("GET", requestPath(key));
    return opts.until === "ready" ? outcomeOf(body.status, opts.minGeneration) : undefined;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return "deleted";
    throw err;
  }
}

export async function watchRequest(client: ApiClient, key: RequestKey, io: CliIO, opts: WatchOptions): Promise<WatchOutcome> {
  const deadline = opts.timeoutMs ? Date.now() + opts.timeoutMs : Infinity;
  const query = opts.until === "ready" ? `?until=ready${opts.minGeneration !== undefined ? `&minGeneration=${opts.minGeneration}` : ""}` : "";
  for (;;) {
    const ac = new AbortController();
    const remaining = deadline - Date.now();
    const timer = Number.isFinite(remaining) ? setTimeout(() => ac.abort(), Math.max(0, remaining)) : undefined;
    try {
      let res: Response;
      try {
        res = await client.stream(requestPath(key) + "/events" + query, ac.signal);
      } catch (err) {
        if (err instanceof ApiError && err.status === 404 && opts.until === "deleted") return "deleted";
        throw err;
      }
      const now = await currentState(client, key, opts);
      if (now) return now;
      for await (const frame of readSse(res.body)) {
        let e: RequestEvent;
        try {
          e = JSON.parse(frame.data) as RequestEvent;
        } catch {
          continue;
        }
        io.stdout(formatEventLine(e));
        if (e.type === "deleted") return "deleted";
        const outcome = opts.until === "ready" ? eventOutcome(e, opts.minGeneration) : undefined;
        if (outcome) return outcome;
      }
      const after = await currentState(client, key, opts);
      if (after) return after;
      await new Promise((r) => setTimeout(r, 500)); // the stream ended early: reconnect, gently
    } catch (err) {
      if (ac.signal.aborted && Date.now() >= deadline) {
        throw new PlinthError("WatchTimeout", `${key.kind} ${key.namespace}/${key.name} did not become ${opts.until} in time: check \`plinth describe\``, undefined, 0);
      }
      throw err;
    } finally {
      if (timer) clearTimeout(timer);
      ac.abort();
    }
  }
}
