/**
 * `GET /v1/requests/{ns}/{kind}/{name}/logs?step=&generation=&follow=true`: the stored step logs of a
 * generation (JSON), or with `follow=true` Server-Sent Events: the stored entries, then every `log` event
 * live until the run in progress ends (a status that is no longer Reconciling, or the request is deleted).
 */
import { BadRequestError, NotFoundError } from "../../../components/errors";
import type { RequestEvent } from "../../core/types";
import { formatEvent, DEFAULT_HEARTBEAT_MS } from "../sse";
import { sendJson } from "../respond";
import { statusOf, condition } from "../readiness";
import type { RouteHandler } from "./context";
import { keyOf } from "./requests-read";

function queryOf(url: URL): { step?: string; generation?: number; follow: boolean } {
  const step = url.searchParams.get("step") || undefined;
  const g = url.searchParams.get("generation");
  const generation = g === null || g === "" ? undefined : Number(g);
  if (generation !== undefined && !(Number.isInteger(generation) && generation > 0)) {
    throw new BadRequestError(`generation must be a whole number > 0, got "${g}"`, { query: "generation" }, "BadQuery");
  }
  const f = url.searchParams.get("follow");
  if (f !== null && !["", "true", "false", "1", "0"].includes(f)) throw new BadRequestError(`follow=${f} is not supported: use follow=true`, { query: "follow" }, "BadQuery");
  return { step, generation, follow: f === "true" || f === "1" || f === "" };
}

const stepMatches = (step: unknown, want: string | undefined) => !want || step === want || (typeof step === "string" && step.endsWith(`/${want}`));

/** A run ended: the status is not Reconciling any more (Ready, Suspended, Stalled for good). */
function runEnded(e: RequestEvent): boolean {
  if (e.type === "deleted") return true;
  if (e.type !== "status") return false;
  const s = statusOf(e.data);
  return s !== undefined && condition(s, "Reconciling")?.status === "False";
}

export const getRequestLogs: RouteHandler = async ({ req, res, url, params, service, caller, heartbeatMs }) => {
  if (!service.logs) throw new NotFoundError("this service keeps no step logs", undefined, "NotSupported");
  const q = queryOf(url);
  const key = keyOf(params);
  if (!q.follow) {
    sendJson(res, 200, await service.logs(key, { caller, step: q.step, generation: q.generation }));
    return;
  }
  const early: RequestEvent[] = [];
  let live = false;
  let closed = false;
  let id = 0;
  let heartbeat: NodeJS.Timeout | undefined;
  let unsubscribe: (() => void) | undefined;
  const close = () => {
    if (closed) return;
    closed = true;
    if (heartbeat) clearInterval(heartbeat);
    unsubscribe?.();
    if (!res.writableEnded) res.end();
  };
  const send = (e: RequestEvent) => {
    if (closed) return;
    const d = (e.data ?? {}) as { step?: string; generation?: number };
    if (e.type === "log" && stepMatches(d.step, q.step) && (q.generation === undefined || d.generation === q.generation)) res.write(formatEvent(e, ++id));
    if (runEnded(e)) {
      res.write(formatEvent({ type: "status", time: e.time, message: e.type === "deleted" ? "deleted" : "run finished", data: e.type === "deleted" ? undefined : e.data }, ++id));
      close();
    }
  };
  unsubscribe = service.watch(key, (e) => (live ? send(e) : early.push(e)), { caller });
  let stored;
  try {
    stored = await service.logs(key, { caller, step: q.step, generation: q.generation });
  } catch (err) {
    unsubscribe();
    throw err;
  }
  res.writeHead(200, { "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache", Connection: "keep-alive", "X-Accel-Buffering": "no" });
  res.write(": subscribed\n\n");
  req.on("close", close);
  res.on("close", close);
  for (const e of stored.entries) {
    res.write(formatEvent({ type: "log", time: e.time, message: e.text, data: { step: e.step, stream: e.stream, generation: e.generation, phase: e.phase } }, ++id));
  }
  live = true;
  for (const e of early.splice(0)) send(e);
  if (!stored.running && !closed) {
    res.write(formatEvent({ type: "status", time: new Date().toISOString(), message: "no run in progress" }, ++id));
    close();
    return;
  }
  heartbeat = setInterval(() => {
    if (!closed) res.write(": heartbeat\n\n");
  }, heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
  heartbeat.unref();
};
