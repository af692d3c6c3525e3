/**
 * A minimal structural validator for a CustomResourceDefinition's `openAPIV3Schema`: types, required,
 * enums, properties, additionalProperties, items, min/max length and items, min/max, pattern, and
 * `x-kubernetes-preserve-unknown-fields` / `x-kubernetes-int-or-string`. Enough to prove that objects
 * Plinth builds (GitRepository, Kustomization, …) are what the Flux API accepts; CEL rules are not run.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";

export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  items?: JsonSchema;
  additionalProperties?: JsonSchema | boolean;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
  format?: string;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-int-or-string"?: boolean;
}

export interface CrdObject {
  apiVersion: "apiextensions.k8s.io/v1";
  kind: "CustomResourceDefinition";
  metadata: { name: string; annotations?: Record<string, string> };
  spec: {
    group: string;
    names: { kind: string; plural: string; [k: string]: unknown };
    scope: string;
    versions: { name: string; served: boolean; storage: boolean; schema?: { openAPIV3Schema: JsonSchema }; [k: string]: unknown }[];
  };
}

export interface SchemaIssue {
  path: string;
  message: string;
}

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function typeMatches(schema: JsonSchema, v: unknown): boolean {
  if (schema["x-kubernetes-int-or-string"]) return typeof v === "string" || Number.isInteger(v);
  if (!schema.type) return true;
  const t = typeOf(v);
  return schema.type === t || (schema.type === "number" && t === "integer");
}

const patterns = new Map<string, RegExp | undefined>();
/** Compiles a (Go RE2) schema pattern as a JS RegExp; a pattern JS cannot express is not checked. */
function compilePattern(p: string): RegExp | undefined {
  if (!patterns.has(p)) {
    let re: RegExp | undefined;
    for (const flags of ["u", ""]) {
      try {
        re = new RegExp(p, flags);
        break;
      } catch {
        /* try the next flags */
      }
    }
    patterns.set(p, re);
  }
  return patterns.get(p);
}

/** Validates `value` against `schema`; returns every issue with a dotted path (`spec.ref.branch`). */
export function validateAgainstSchema(schema: JsonSchema, value: unknown, at = ""): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  const here = at || "(root)";
  if (!typeMatches(schema, value)) {
    return [{ path: here, message: `must be ${schema.type ?? "int-or-string"}, got ${typeOf(value)}` }];
  }
  if (schema.enum && !schema.enum.some((e) => e === value)) {
    issues.push({ path: here, message: `must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(", ")}` });
  }
  if (typeof value === "string") {
    if (schema.minLength !== undefined && value.length < schema.minLength) issues.push({ path: here, message: `must be at least ${schema.minLength} characters` });
    if (schema.maxLength !== undefined && value.length > schema.maxLength) issues.push({ path: here, message: `must be at most ${schema.maxLength} characters` });
    const re = schema.pattern ? compilePattern(schema.pattern) : undefined;
    if (re && !re.test(value)) issues.push({ path: here, message: `must match ${schema.pattern}` });
  }
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum) issues.push({ path: here, message: `must be >= ${schema.minimum}` });
    if (schema.maximum !== undefined && value > schema.maximum) issues.push({ path: here, message: `must be <= ${schema.maximum}` });
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) issues.push({ path: here, message: `must have at least ${schema.minItems} items` });
    if (schema.maxItems !== undefined && value.length > schema.maxItems) issues.push({ path: here, message: `must have at most ${schema.maxItems} items` });
    if (schema.items) value.forEach((item, i) => issues.push(...validateAgainstSchema(schema.items!, item, `${at}[${i}]`)));
  }
  if (typeOf(value) === "object") {
    const obj = value as Record<string, unknown>;
    for (const key of schema.required ?? []) {
      if (obj[key] === undefined) issues.push({ path: at ? `${at}.${key}` : key, message: "is required" });
    }
    const props = schema.properties ?? {};
    for (const [key, v] of Object.entries(obj)) {
      if (v === undefined) continue;
      const child = at ? `${at}.${key}` : key;
      if (props[key]) issues.push(...validateAgainstSchema(props[key], v, child));
      else if (typeof schema.additionalProperties === "object") issues.push(...validateAgainstSchema(schema.additionalProperties, v, child));
      else if (schema.properties && !schema["x-kubernetes-preserve-unknown-fields"] && schema.additionalProperties !== true) {
        issues.push({ path: child, message: "is not a field of this API (unknown fields are pruned)" });
      }
    }
  }
  return issues;
}

/** The `openAPIV3Schema` of `version` in `crd`, or undefined when that version is not served. */
export function crdSchema(crd: CrdObject, version: string): JsonSchema | undefined {
  const v = crd.spec.versions.find((x) => x.name === version && x.served);
  return v?.schema?.openAPIV3Schema;
}

/**
 * Validates a Kubernetes object (`apiVersion`, `kind`, …) against the matching CRD in `crds`.
 * `metadata` is checked for a name only (the API server owns its schema).
 */
export function validateCustomResource(crds: readonly CrdObject[], obj: { apiVersion?: unknown; kind?: unknown; [k: string]: unknown }): SchemaIssue[] {
  if (typeof obj.apiVersion !== "string" || typeof obj.kind !== "string") {
    return [{ path: "apiVersion", message: "apiVersion and kind are required" }];
  }
  const [group, version] = obj.apiVersion.split("/");
  const crd = crds.find((c) => c.spec.group === group && c.spec.names.kind === obj.kind);
  if (!crd) return [{ path: "kind", message: `no CRD for ${obj.kind} in ${group}` }];
  const schema = crdSchema(crd, version);
  if (!schema) return [{ path: "apiVersion", message: `${crd.metadata.name} serves no version ${version}` }];
  const { metadata, ...rest } = obj;
  const issues: SchemaIssue[] = [];
  const meta = metadata as { name?: unknown } | undefined;
  if (typeof meta?.name !== "string" || meta.name.length === 0) issues.push({ path: "metadata.name", message: "is required" });
  const { metadata: _m, ...schemaNoMeta } = schema.properties ?? {};
  issues.push(...validateAgainstSchema({ ...schema, properties: schemaNoMeta }, rest));
  return issues;
}

/** Parses every CustomResourceDefinition document in the YAML text. */
export function parseCrds(text: string): CrdObject[] {
  return parseAllDocuments(text)
    .map((d) => d.toJSON() as CrdObject | null)
    .filter((d): d is CrdObject => d !== null && d.kind === "CustomResourceDefinition");
}

/** Loads every CRD from the `*.yaml` files of `dir` (as written by `ensureFluxCrds`), sorted by name. */
export function loadCrdDir(dir: string): CrdObject[] {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort();
  return files.flatMap((f) => parseCrds(fs.readFileSync(path.join(dir, f), "utf8"))).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}
