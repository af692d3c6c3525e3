/** Kubernetes request bodies: one object (JSON or YAML), a patch by its content type, or DeleteOptions. */
import * as YAML from "yaml";
import type { RouteContext } from "../http/routes/context";
import { readBody } from "../http/body";
import { kubeError } from "./status";

export type PatchType = "merge" | "json" | "strategic" | "apply";

const PATCH_TYPES: Record<string, PatchType> = {
  "application/merge-patch+json": "merge",
  "application/json-patch+json": "json",
  "application/strategic-merge-patch+json": "strategic",
  "application/apply-patch+yaml": "apply",
  "application/apply-patch+json": "apply",
};

export function mediaType(header: string | undefined): string {
  return (header ?? "").split(";")[0].trim().toLowerCase();
}

export function patchTypeOf(header: string | undefined): PatchType {
  const t = PATCH_TYPES[mediaType(header)];
  if (!t) {
    throw kubeError(415, `the body of the request was in an unknown format - accepted media types include: ${Object.keys(PATCH_TYPES).join(", ")}`, "UnsupportedMediaType");
  }
  return t;
}

function parse(text: string, yaml: boolean): unknown {
  try {
    return yaml ? YAML.parse(text) : JSON.parse(text);
  } catch (e) {
    throw kubeError(400, `the body of the request could not be decoded: ${(e as Error).message.split("\n")[0]}`, "BadRequest");
  }
}

/** The body as JSON (or YAML for YAML media types); `undefined` when empty and `optional`. */
export async function readKubeBody(ctx: RouteContext, optional = false): Promise<unknown> {
  const text = (await readBody(ctx.req, ctx.maxBodyBytes)).toString("utf8");
  if (text.trim() === "") {
    if (optional) return undefined;
    throw kubeError(400, "the request body is empty: send one object", "BadRequest");
  }
  const media = mediaType(ctx.req.headers["content-type"]);
  return parse(text, media.includes("yaml"));
}

/** `dryRun=All` (the only value Kubernetes accepts). */
export function isDryRunAll(url: URL, body?: unknown): boolean {
  const v = url.searchParams.getAll("dryRun");
  const fromBody = (body as { dryRun?: unknown } | undefined)?.dryRun;
  const all = [...v, ...(Array.isArray(fromBody) ? fromBody.map(String) : [])];
  for (const x of all) if (x !== "All") throw kubeError(400, `Invalid dryRun value "${x}": the only valid value is "All"`, "BadRequest");
  return all.length > 0;
}

/**
 * The field manager of a write: `fieldManager`, else (not for apply) the User-Agent's program name,
 * as the Kubernetes API server derives it.
 */
export function fieldManagerOf(ctx: RouteContext, required: boolean): string {
  const m = ctx.url.searchParams.get("fieldManager");
  if (m) return m;
  if (required) throw kubeError(422, 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch', "Invalid");
  const ua = String(ctx.req.headers["user-agent"] ?? "unknown");
  return ua.split("/")[0] || "unknown";
}
