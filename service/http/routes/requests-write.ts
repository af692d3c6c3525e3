/** Creating (POST, also dry-run preview) and upserting (PUT) requests from JSON or YAML bodies. */
import { BadRequestError, PlinthError } from "../../../components/errors";
import type { ApplyResult, Caller, PlatformService } from "../../core/types";
import { readBody } from "../body";
import { bodyFormat, parseDocuments } from "../documents";
import { sendJson } from "../respond";
import type { RouteContext, RouteHandler } from "./context";
import { reconcileWithPath } from "./path-object";
import { keyOf } from "./requests-read";

async function readObjects(ctx: RouteContext): Promise<unknown[]> {
  const format = bodyFormat(ctx.req.headers["content-type"]);
  const body = await readBody(ctx.req, ctx.maxBodyBytes);
  return parseDocuments(body.toString("utf8"), format, ctx.limits);
}

/** `dryRun=true` or `dryRun=All` (kubectl's spelling); anything else but absent/false is a 400. */
export function isDryRun(url: URL): boolean {
  const v = url.searchParams.get("dryRun");
  if (v === null || v === "" || v.toLowerCase() === "false") return false;
  if (v.toLowerCase() === "true" || v === "All") return true;
  throw new BadRequestError(`dryRun=${v} is not supported: use dryRun=true or dryRun=All`, { query: "dryRun" }, "BadQuery");
}

/**
 * Applies objects in body order. When a later one fails, the earlier ones stay accepted (they are
 * queued already): the error's details carry `documentIndex` and the `accepted` results.
 */
async function applyAll(service: PlatformService, objects: unknown[], caller: Caller): Promise<ApplyResult[]> {
  const accepted: ApplyResult[] = [];
  for (let i = 0; i < objects.length; i++) {
    try {
      accepted.push(await service.apply(objects[i], { caller, mode: "create" }));
    } catch (err) {
      if (objects.length > 1 && err instanceof PlinthError) {
        const base = typeof err.details === "object" && err.details !== null ? err.details : {};
        throw new PlinthError(err.code, `document ${i + 1} of ${objects.length}: ${err.message}`, { ...base, documentIndex: i, accepted }, err.status);
      }
      throw err;
    }
  }
  return accepted;
}

export const createRequests: RouteHandler = async (ctx) => {
  const dryRun = isDryRun(ctx.url);
  const objects = await readObjects(ctx);
  const { service, caller, res } = ctx;
  if (dryRun) {
    const previews = [];
    for (const o of objects) previews.push(await service.preview(o, { caller }));
    sendJson(res, 200, previews.length === 1 ? previews[0] : { items: previews });
    return;
  }
  const results = await applyAll(service, objects, caller);
  if (results.length === 1) sendJson(res, 202, results[0], { Location: results[0].location });
  else sendJson(res, 202, { items: results });
};

/** `metadata.resourceVersion` of a PUT body: the version the client read (a precondition), or none. */
function resourceVersionOf(object: Record<string, unknown>): string | undefined {
  const v = (object.metadata as Record<string, unknown>).resourceVersion;
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v !== "string") {
    throw new BadRequestError("metadata.resourceVersion must be a string: send back the value you read, or leave it out", { issues: [{ path: ["metadata", "resourceVersion"], message: "must be a string" }] }, "MalformedBody");
  }
  return v;
}

export const putRequest: RouteHandler = async (ctx) => {
  const { service, caller, res, params } = ctx;
  const objects = await readObjects(ctx);
  if (objects.length !== 1) {
    throw new BadRequestError(`PUT takes exactly one object, the body holds ${objects.length}: use POST /v1/requests for several`, undefined, "MalformedBody");
  }
  const object = reconcileWithPath(objects[0], keyOf(params), service.promises());
  if (isDryRun(ctx.url)) {
    sendJson(res, 200, await service.preview(object, { caller }));
    return;
  }
  const result = await service.apply(object, { caller, mode: "upsert", resourceVersion: resourceVersionOf(object) });
  sendJson(res, result.created ? 201 : 200, result, { Location: result.location });
};
