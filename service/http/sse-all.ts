/**
 * Server-Sent Events of every request the caller may see (`GET /v1/events`): each frame names its
 * request, so a list can refresh the rows that changed. Optional namespace and kind filters.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { NotFoundError } from "../../components/errors";
import type { Caller, PlatformService, RequestEvent, RequestKey } from "../core/types";
import { DEFAULT_HEARTBEAT_MS } from "./sse";

export function streamAllEvents(
  req: IncomingMessage,
  res: ServerResponse,
  service: PlatformService,
  caller: Caller,
  opts: { namespace?: string; kind?: string; heartbeatMs?: number } = {},
): void {
  if (!service.watchAll) throw new NotFoundError("this service does not stream all requests' events", undefined, "NotSupported");
  const kind = opts.kind?.toLowerCase();
  let id = 0;
  let closed = false;
  const listener = (key: RequestKey, e: RequestEvent): void => {
    if (closed || (opts.namespace && key.namespace !== opts.namespace) || (kind && key.kind.toLowerCase() !== kind)) return;
    // Status payloads stay out: a list reads the request again; the per-request stream has the details.
    res.write(`id: ${++id}\nevent: ${e.type}\ndata: ${JSON.stringify({ request: key, type: e.type, time: e.time, message: e.message })}\n\n`);
  };
  const unsubscribe = service.watchAll(listener, { caller });
  res.writeHead(200, { "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache", Connection: "keep-alive", "X-Accel-Buffering": "no" });
  res.write(": subscribed\n\n");
  const heartbeat = setInterval(() => void (closed || res.write(": heartbeat\n\n")), opts.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
  heartbeat.unref();
  const close = (): void => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    unsubscribe();
    if (!res.writableEnded) res.end();
  };
  req.on("close", close);
  res.on("close", close);
}
