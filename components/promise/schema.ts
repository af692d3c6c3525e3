/** The Promise's API as data: JSON Schema of the spec, request and config validation (defaults applied). */
import { z } from "zod";
import { ValidationError, formatIssues, type FieldIssue } from "../errors";
import { isDns1123Label, labelIssues } from "../vocabulary/names";
import { apiVersionOf } from "./define";
import type { AnyPromise, ResourceRequestObject } from "./types";

/** zod issues as field issues, each path prefixed by `prefix`. */
export function zodIssues(error: z.ZodError, prefix: (string | number)[]): FieldIssue[] {
  return error.issues.map((i) => ({
    path: [...prefix, ...i.path.map((p) => (typeof p === "symbol" ? String(p) : p))],
    message: i.message,
  }));
}

/** JSON Schema of what a request may send as `spec` (fields with defaults are optional). */
export function jsonSchemaOf(promise: AnyPromise): Record<string, unknown> {
  return z.toJSONSchema(promise.api.spec, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
}

/** The organisation config with the Promise's defaults applied, or the issues (paths start with `config`). */
export function parseConfig(promise: AnyPromise, config: unknown): { ok: true; value: unknown } | { ok: false; issues: FieldIssue[] } {
  if (!promise.config) return { ok: true, value: config ?? {} };
  const r = promise.config.safeParse(config ?? {});
  return r.success ? { ok: true, value: r.data } : { ok: false, issues: zodIssues(r.error, ["config"]) };
}

/** Like parseConfig but throws a ValidationError naming every bad key. */
export function validateConfig(promise: AnyPromise, config: unknown): unknown {
  const r = parseConfig(promise, config);
  if (!r.ok) throw new ValidationError(`config of Promise "${promise.name}" is invalid: ${formatIssues(r.issues)}`, r.issues, "InvalidConfig");
  return r.value;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Validates a resource request against the Promise: `apiVersion` is `group/version`, `kind` matches,
 * `metadata.name` (and `namespace`, default `default`) are DNS-1123 labels, `spec` parses with defaults
 * applied. Every problem is reported at once in a ValidationError (zod paths prefixed by `spec`).
 */
export function validateRequest<P extends AnyPromise>(promise: P, obj: unknown): ResourceRequestObject<z.output<P["api"]["spec"]>> {
  const issues: FieldIssue[] = [];
  if (!isRecord(obj)) {
    throw new ValidationError("a request must be an object with apiVersion, kind, metadata and spec", [{ path: [], message: "must be an object" }]);
  }
  const apiVersion = apiVersionOf(promise);
  if (obj.apiVersion !== apiVersion) issues.push({ path: ["apiVersion"], message: `must be "${apiVersion}", got ${JSON.stringify(obj.apiVersion ?? null)}` });
  if (obj.kind !== promise.api.kind) issues.push({ path: ["kind"], message: `must be "${promise.api.kind}", got ${JSON.stringify(obj.kind ?? null)}` });
  const md = obj.metadata;
  let name = "";
  let namespace = "default";
  const metadata: ResourceRequestObject["metadata"] = { name, namespace };
  if (!isRecord(md)) {
    issues.push({ path: ["metadata"], message: "required: { name, namespace? }" });
  } else {
    if (!isDns1123Label(md.name)) {
      issues.push({ path: ["metadata", "name"], message: `${JSON.stringify(md.name ?? null)} must be a DNS-1123 label (lowercase alphanumerics and '-', ≤ 63)` });
    } else name = md.name;
    if (md.namespace !== undefined) {
      if (!isDns1123Label(md.namespace)) issues.push({ path: ["metadata", "namespace"], message: `${JSON.stringify(md.namespace)} must be a DNS-1123 label` });
      else namespace = md.namespace;
    }
    if (md.labels !== undefined) {
      issues.push(...labelIssues(md.labels, ["metadata", "labels"]));
      metadata.labels = md.labels as Record<string, string>;
    }
    if (md.annotations !== undefined) {
      if (!isRecord(md.annotations) || Object.values(md.annotations).some((v) => typeof v !== "string")) {
        issues.push({ path: ["metadata", "annotations"], message: "must be a map of string to string" });
      } else metadata.annotations = md.annotations as Record<string, string>;
    }
  }
  const parsed = promise.api.spec.safeParse(obj.spec ?? {});
  if (!parsed.success) issues.push(...zodIssues(parsed.error, ["spec"]));
  if (issues.length) {
    throw new ValidationError(`${promise.api.kind} request is invalid: ${formatIssues(issues)}`, issues);
  }
  metadata.name = name;
  metadata.namespace = namespace;
  return { apiVersion, kind: promise.api.kind, metadata, spec: parsed.data };
}
