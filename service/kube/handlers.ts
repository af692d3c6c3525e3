/** The route handlers of the Kubernetes-compatible API (listed in the one route table, `http/routes`). */
import type { RouteContext, RouteHandler } from "../http/routes/context";
import { targetOf } from "./context";
import { sendObject } from "./context";
import {
  aggregatedDiscovery,
  apiGroupList,
  apiGroupOf,
  apiResourceList,
  apiVersions,
  coreResourceList,
  versionInfo,
  wantsAggregated,
} from "./discovery";
import { kubeKinds } from "./kinds";
import { openApiV2, openApiV3, openApiV3Core, openApiV3Index } from "./openapi";
import { getItem, listOrWatch } from "./resource-read";
import { createItem, deleteItem, patchItem, updateItem } from "./resource-write";
import { kubeError } from "./status";

// Parseable by Go's mime.ParseMediaType (client-go checks it; the `@v1.0` form of the request is not).
const PROTOBUF_V2 = "application/octet-stream";

const notFound = () => kubeError(404, "the server could not find the requested resource", "NotFound", {});

function sendAs(ctx: RouteContext, contentType: string, body: unknown): void {
  const text = JSON.stringify(body);
  ctx.res.writeHead(200, { "Content-Type": contentType, "Content-Length": String(Buffer.byteLength(text)), "Cache-Control": "no-store", Vary: "Accept" });
  ctx.res.end(text);
}

export const getVersion: RouteHandler = async (ctx) => sendObject(ctx.res, 200, versionInfo());

export const getCoreApi: RouteHandler = async (ctx) => {
  const agg = wantsAggregated(ctx.req.headers.accept);
  if (agg) sendAs(ctx, agg, aggregatedDiscovery([], agg, true));
  else sendObject(ctx.res, 200, apiVersions(String(ctx.req.headers.host ?? "127.0.0.1")));
};

export const getCoreV1: RouteHandler = async (ctx) => sendObject(ctx.res, 200, coreResourceList());

export const getApis: RouteHandler = async (ctx) => {
  const kinds = kubeKinds(ctx.service);
  const agg = wantsAggregated(ctx.req.headers.accept);
  if (agg) sendAs(ctx, agg, aggregatedDiscovery(kinds, agg, false));
  else sendObject(ctx.res, 200, apiGroupList(kinds));
};

export const getApiGroup: RouteHandler = async (ctx) => {
  const g = apiGroupOf(kubeKinds(ctx.service), ctx.params.group);
  if (!g) throw notFound();
  sendObject(ctx.res, 200, g);
};

export const getApiResources: RouteHandler = async (ctx) => {
  const list = apiResourceList(kubeKinds(ctx.service), ctx.params.group, ctx.params.version);
  if (!list) throw notFound();
  sendObject(ctx.res, 200, list);
};

export const getOpenApiV2: RouteHandler = async (ctx) => {
  // client-go's discovery client (the Pulumi Kubernetes provider's) asks only for protobuf and has no
  // fallback to JSON: it gets a valid, empty protobuf document (no schemas, so no client-side checks;
  // the service validates). JSON clients get every schema.
  const accept = String(ctx.req.headers.accept ?? "");
  if (accept.includes("protobuf") && !accept.includes("json") && !accept.includes("*/*")) {
    ctx.res.writeHead(200, { "Content-Type": PROTOBUF_V2, "Content-Length": "0", Vary: "Accept" });
    ctx.res.end();
    return;
  }
  sendObject(ctx.res, 200, openApiV2(kubeKinds(ctx.service)));
};

export const getOpenApiV3Index: RouteHandler = async (ctx) => sendObject(ctx.res, 200, openApiV3Index(kubeKinds(ctx.service)));
export const getOpenApiV3Core: RouteHandler = async (ctx) => sendObject(ctx.res, 200, openApiV3Core());

export const getOpenApiV3: RouteHandler = async (ctx) => {
  const doc = openApiV3(kubeKinds(ctx.service), ctx.params.group, ctx.params.version);
  if (!doc) throw notFound();
  sendObject(ctx.res, 200, doc);
};

/** `/apis/<g>/<v>/<plural>`: the list (all namespaces) or, for registry kinds, the cluster-scoped list. */
export const collection: RouteHandler = async (ctx) => {
  const t = targetOf(ctx);
  const method = ctx.req.method ?? "GET";
  if (method === "GET") return listOrWatch(ctx, t);
  if (method === "POST" && t.namespace !== undefined) return createItem(ctx, t);
  if (method === "POST" && t.kind.namespaced) throw notFound();
  if (method === "POST") return createItem(ctx, t);
  throw kubeError(405, `the server does not allow this method on the requested resource`, "MethodNotAllowed");
};

export const item: RouteHandler = async (ctx) => {
  const t = targetOf(ctx);
  if (t.kind.namespaced && t.namespace === undefined) throw notFound();
  switch (ctx.req.method) {
    case "GET":
      return getItem(ctx);
    case "PUT":
      return updateItem(ctx, t);
    case "PATCH":
      return patchItem(ctx, t);
    case "DELETE":
      return deleteItem(ctx, t);
    default:
      throw kubeError(405, "the server does not allow this method on the requested resource", "MethodNotAllowed");
  }
};

/** `…/<name>/status`: read it; Plinth writes status itself, so updates are refused. */
export const itemStatus: RouteHandler = async (ctx) => {
  const t = targetOf(ctx);
  if (!t.kind.promise) throw notFound();
  if (ctx.req.method !== "GET") throw kubeError(405, "the status of a request is written by Plinth: it cannot be updated or patched", "MethodNotAllowed");
  return getItem(ctx);
};
