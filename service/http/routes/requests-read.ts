import { NotFoundError } from "../../../components/errors";
/** Listing, reading, deleting and watching requests. */
import { BadRequestError } from "../../../components/errors";
import type { RequestKey } from "../../core/types";
import { sendJson } from "../respond";
import { streamEvents } from "../sse";
import { streamAllEvents } from "../sse-all";
import type { RouteContext, RouteHandler } from "./context";

export function keyOf(params: Record<string, string>): RequestKey {
  return { namespace: params.namespace, kind: params.kind, name: params.name };
}

export const listRequests: RouteHandler = async ({ res, url, service, caller }) => {
  const filter: { namespace?: string; kind?: string } = {};
  const ns = url.searchParams.get("namespace");
  const kind = url.searchParams.get("kind");
  if (ns) filter.namespace = ns;
  if (kind) filter.kind = kind;
  sendJson(res, 200, { items: await service.list(filter, { caller }) });
};

export const getRequest: RouteHandler = async ({ res, params, service, caller }) => {
  sendJson(res, 200, await service.get(keyOf(params), { caller }));
};

/** `plinth secret`: the request's Secrets decrypted, for a platform-admin caller; never logged. */
export const getRequestSecrets: RouteHandler = async ({ res, params, service, caller }) => {
  if (!service.secrets) throw new NotFoundError("this service does not decrypt Secrets", undefined, "NotSupported");
  sendJson(res, 200, await service.secrets(keyOf(params), { caller }), { "cache-control": "no-store" });
};

/** Reconcile now, reading Git first: a hand edit or deletion of the request's files is repaired. */
export const reconcileRequest: RouteHandler = async ({ res, params, service, caller }) => {
  if (!service.reconcileNow) throw new NotFoundError("this service does not reconcile on demand", undefined, "NotSupported");
  sendJson(res, 202, await service.reconcileNow(keyOf(params), { caller }));
};

/**
 * `?resourceVersion=` makes the delete conditional on the version the client read; `?force=true` skips the
 * delete workflow (recorded as a warning in the status history and events).
 */
export const deleteRequest: RouteHandler = async ({ res, url, params, service, caller }) => {
  const resourceVersion = url.searchParams.get("resourceVersion") || undefined;
  const f = url.searchParams.get("force");
  if (f !== null && !["true", "false"].includes(f)) throw new BadRequestError(`force=${f} is not supported: use force=true`, { query: "force" }, "BadQuery");
  sendJson(res, 202, await service.delete(keyOf(params), { caller, resourceVersion, force: f === "true" }));
};

function streamOptions(url: URL, heartbeatMs: number | undefined): { until?: "ready"; minGeneration?: number; heartbeatMs?: number } {
  const until = url.searchParams.get("until");
  if (until !== null && until !== "ready") {
    throw new BadRequestError(`until=${until} is not supported: use until=ready or leave it out`, { query: "until" }, "BadQuery");
  }
  const g = url.searchParams.get("minGeneration");
  const minGeneration = g === null ? undefined : Number(g);
  if (minGeneration !== undefined && !(Number.isInteger(minGeneration) && minGeneration >= 0)) {
    throw new BadRequestError(`minGeneration must be a whole number >= 0, got "${g}"`, { query: "minGeneration" }, "BadQuery");
  }
  return { until: until === "ready" ? "ready" : undefined, minGeneration, heartbeatMs };
}

export const watchRequest: RouteHandler = async ({ req, res, url, params, service, caller, heartbeatMs, openStream }: RouteContext) => {
  const options = streamOptions(url, heartbeatMs);
  const release = openStream();
  res.once("close", release);
  try {
    streamEvents(req, res, service, keyOf(params), caller, options);
  } catch (err) {
    release();
    throw err;
  }
};

/** Events of every request the caller may see (`?namespace=&kind=` filter them): the portal's live list. */
export const watchAllRequests: RouteHandler = async ({ req, res, url, service, caller, heartbeatMs }: RouteContext) => {
  const namespace = url.searchParams.get("namespace") || undefined;
  const kind = url.searchParams.get("kind") || undefined;
  streamAllEvents(req, res, service, caller, { namespace, kind, heartbeatMs });
};
