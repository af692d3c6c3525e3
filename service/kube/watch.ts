/**
 * `?watch=true` on a list: one JSON watch event per line (`{"type":"ADDED|MODIFIED|DELETED","object":…}`),
 * from the service's change feed. Without a resource version (or `0`) it starts with an `ADDED` for every
 * object there is now, as a Kubernetes API server does; with one it resumes after it (410 when the
 * history no longer holds it; the client lists again). `timeoutSeconds` ends the stream.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Caller, PlatformService, RequestChange } from "../core/types";
import type { KubeKind } from "./kinds";
import { toKube } from "./objects";
import { kubeError } from "./status";
import { toTable, type KubeObject } from "./table";

export interface WatchOptions {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  service: PlatformService;
  caller: Caller;
  kind: KubeKind;
  namespace?: string;
  filter: (o: KubeObject) => boolean;
  table: boolean;
}

export function isWatch(url: URL): boolean {
  const w = url.searchParams.get("watch");
  return w === "true" || w === "1";
}

export async function serveWatch(o: WatchOptions): Promise<void> {
  const { service, caller, kind, namespace, url, res } = o;
  if (!service.changes || !service.resourceVersion) throw kubeError(405, "this service does not support watch", "MethodNotAllowed");
  const asked = url.searchParams.get("resourceVersion") ?? "";
  const timeout = Number(url.searchParams.get("timeoutSeconds") ?? "0");
  const include = url.searchParams.get("includeObject") ?? undefined;
  const filter = { namespace, kind: kind.kind };
  const initial: KubeObject[] = [];
  let since = asked;
  if (asked === "" || asked === "0") {
    since = service.resourceVersion();
    initial.push(...(await service.list(filter, { caller })).map(toKube).filter(o.filter));
  }
  const pending: RequestChange[] = [];
  let ready = false;
  let first = true;
  const write = (type: string, obj: KubeObject): void => {
    if (!o.filter(obj)) return;
    const object = o.table ? toTable(kind, [obj], { includeObject: include, noHeaders: !first }) : obj;
    first = false;
    res.write(JSON.stringify({ type, object }) + "\n");
  };
  // Subscribing can fail (410) before anything is written: the caller answers it as a Status.
  const stop = service.changes({ ...filter, resourceVersion: since }, (c) => (ready ? write(c.type, toKube(c.object)) : pending.push(c)), { caller });
  res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-store", "Transfer-Encoding": "chunked" });
  res.flushHeaders();
  for (const obj of initial) write("ADDED", obj);
  for (const c of pending) write(c.type, toKube(c.object));
  ready = true;
  let timer: NodeJS.Timeout | undefined;
  const end = (): void => {
    stop();
    if (timer) clearTimeout(timer);
    if (!res.writableEnded) res.end();
  };
  if (timeout > 0) timer = setTimeout(end, timeout * 1000);
  o.req.on("close", end);
  res.on("close", end);
}
