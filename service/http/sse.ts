/**
 * Server-Sent Events for one request's progress: `event: <type>` + `data: <json>` per RequestEvent,
 * a comment heartbeat every `heartbeatMs`, unsubscribe on disconnect. `until=ready` ends the stream
 * after a status whose Ready or Stalled condition is True; a `deleted` event always ends it.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Caller, PlatformService, RequestEvent, RequestKey } from "../core/types";
import { eventOutcome } from "./readiness";

export const DEFAULT_HEARTBEAT_MS = 15_000;

/** One SSE frame. Data is a single JSON line, so no `data:` splitting is needed. */
export function formatEvent(e: RequestEvent, id?: number): string {
  return (id === undefined ? "" : `id: ${id}\n`) + `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;
}

export interface StreamOptions {
  until?: "ready";
  minGeneration?: number;
  heartbeatMs?: number;
}

/**
 * Subscribes (errors from the core, e.g. 404/403, are thrown before any byte is written) and streams
 * until the client goes away, the request is deleted, or the `until` condition holds.
 */
export function streamEvents(
  req: IncomingMessage,
  res: ServerResponse,
  service: PlatformService,
  key: RequestKey,
  caller: Caller,
  opts: StreamOptions = {},
): void {
  const early: RequestEvent[] = [];
  let open = false;
  let closed = false;
  let id = 0;
  let unsubscribe: (() => void) | undefined;
  let heartbeat: NodeJS.Timeout | undefined;

  const close = (): void => {
    if (closed) return;
    closed = true;
    if (heartbeat) clearInterval(heartbeat);
    unsubscribe?.();
    if (!res.writableEnded) res.end();
  };
  const send = (e: RequestEvent): void => {
    if (closed) return;
    res.write(formatEvent(e, ++id));
    if (e.type === "deleted" || (opts.until === "ready" && eventOutcome(e, opts.minGeneration))) close();
  };
  const listener = (e: RequestEvent): void => {
    if (open) send(e);
    else early.push(e);
  };

  unsubscribe = service.watch(key, listener, { caller });
  res.writeHead(200, {
    "Content-Type": "text/event-stream; charset=utf-8",
    "Cache-Control": "no-cache",
    Connection: "keep-alive",
    "X-Accel-Buffering": "no",
  });
  res.write(": subscribed\n\n");
  open = true;
  req.on("close", close);
  res.on("close", close);
  heartbeat = setInterval(() => {
    if (!closed) res.write(": heartbeat\n\n");
  }, opts.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
  heartbeat.unref();
  for (const e of early.splice(0)) send(e);
}
