/**
 * OpenAPI documents of the served kinds, built from each Promise's zod schema (its JSON Schema, from
 * `z.toJSONSchema`): v3 (`/openapi/v3` lists one document per group-version, as kube-apiserver does) and v2
 * (`/openapi/v2`, one Swagger document). Each kind's schema carries `x-kubernetes-group-version-kind` and
 * descriptions, which is what `kubectl explain` reads.
 */
import * as crypto from "node:crypto";
import { apiVersionOf, groupsOf, type KubeKind } from "./kinds";

type Schema = Record<string, unknown>;

const OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

const str = (description: string): Schema => ({ type: "string", description });

/** Enough of `metav1.ObjectMeta` for explain and clients. */
const objectMeta: Schema = {
  type: "object",
  description: "Standard object's metadata.",
  properties: {
    name: str("Name of the request, unique in its namespace (a DNS-1123 label)."),
    namespace: str("Namespace of the request: one of the namespaces of the caller's team."),
    labels: { type: "object", additionalProperties: { type: "string" }, description: "Labels; Promises may select destinations by them." },
    annotations: { type: "object", additionalProperties: { type: "string" }, description: "Annotations; `plinth.dev/*` ones are the platform's." },
    uid: str("Unique id, set by the server."),
    resourceVersion: str("Changes on every write; send it back to update only what you read (else 409 Conflict)."),
    generation: { type: "integer", format: "int64", description: "Increases when the spec or labels change." },
    creationTimestamp: { type: "string", format: "date-time", description: "When the request was created." },
    deletionTimestamp: { type: "string", format: "date-time", description: "Set while the request is being deleted." },
    managedFields: { type: "array", items: { type: "object", "x-kubernetes-preserve-unknown-fields": true }, description: "Field owners (server-side apply)." },
  },
};

const conditionSchema: Schema = {
  type: "object",
  properties: {
    type: str("Ready, Reconciling, Stalled, Applied, ..."),
    status: str("True, False or Unknown."),
    reason: str("Machine-readable reason."),
    message: str("Human-readable message."),
    lastTransitionTime: { type: "string", format: "date-time" },
  },
};

const requestStatusSchema: Schema = {
  type: "object",
  description: "What Plinth did with the request; written by the platform, never by the requester.",
  properties: {
    conditions: { type: "array", items: conditionSchema, description: "Ready, Reconciling, Stalled and Applied (cluster destinations)." },
    observedGeneration: { type: "integer", format: "int64", description: "The generation last reconciled." },
    message: str("Summary of the last reconcile."),
    destinations: { type: "array", items: { type: "string" }, description: "Destinations the request was scheduled to." },
    files: { type: "array", items: { type: "object", properties: { destination: str(""), path: str(""), commit: str("") } }, description: "Files written to the State Store, with their commits." },
    outputs: { type: "object", "x-kubernetes-preserve-unknown-fields": true, description: "The Promise's outputs for this request (connection details, names)." },
  },
};

/** A zod JSON Schema (2020-12) as an OpenAPI schema: no `$schema`, `const` → enum, nullable, boolean exclusive bounds. */
export function toOpenApiSchema(s: unknown, v2 = false): Schema {
  if (typeof s !== "object" || s === null || Array.isArray(s)) return {};
  const src = s as Schema;
  const out: Schema = {};
  for (const [k, v] of Object.entries(src)) {
    switch (k) {
      case "$schema":
      case "$id":
      case "propertyNames":
      case "examples":
        break;
      case "const":
        out.enum = [v];
        break;
      case "type":
        if (Array.isArray(v)) {
          const types = v.filter((t) => t !== "null");
          if (types.length === 1) out.type = types[0];
          if (types.length < v.length) out[v2 ? "x-nullable" : "nullable"] = true;
        } else out.type = v;
        break;
      case "exclusiveMinimum":
      case "exclusiveMaximum":
        if (typeof v === "number") {
          out[k === "exclusiveMinimum" ? "minimum" : "maximum"] = v;
          out[k] = true;
        } else out[k] = v;
        break;
      case "properties":
        out.properties = Object.fromEntries(Object.entries(v as Schema).map(([p, ps]) => [p, toOpenApiSchema(ps, v2)]));
        break;
      case "items":
      case "additionalProperties":
        out[k] = typeof v === "boolean" ? v : toOpenApiSchema(v, v2);
        break;
      case "anyOf":
      case "oneOf":
      case "allOf": {
        const list = (v as unknown[]).filter((x) => !(typeof x === "object" && x !== null && (x as Schema).type === "null"));
        if (list.length < (v as unknown[]).length) out[v2 ? "x-nullable" : "nullable"] = true;
        if (list.length === 1) Object.assign(out, toOpenApiSchema(list[0], v2));
        else if (v2) out["x-kubernetes-preserve-unknown-fields"] = true;
        else out[k] = list.map((x) => toOpenApiSchema(x, v2));
        break;
      }
      default:
        out[k] = v;
    }
  }
  if (Object.keys(out).length === 0 || (out.type === undefined && !out.properties && !out.anyOf && !out.oneOf && !out.allOf && !out.enum)) {
    out["x-kubernetes-preserve-unknown-fields"] = true;
  }
  return out;
}

/** The definition name Kubernetes uses: reversed group, version, kind (`io.kratix.marketplace.v1alpha1.redis`). */
export function definitionName(k: KubeKind): string {
  return [...k.group.split(".").reverse(), k.version, k.kind].filter(Boolean).join(".");
}

function registrySchema(k: KubeKind, ref: (n: string) => string): Schema {
  const descriptions: Record<string, string> = {
    promises: "An installed Promise: its API (group, version, kind), version and the destinations that got its Dependencies.",
    destinations: "A Destination: where Flux applies what Plinth writes under its path in a State Store.",
    statestores: "A Git State Store the platform writes to.",
  };
  return {
    type: "object",
    description: descriptions[k.registry!] ?? "",
    properties: {
      apiVersion: str(`"${apiVersionOf(k)}".`),
      kind: str(`"${k.kind}".`),
      metadata: { $ref: ref(OBJECT_META), description: "Standard object's metadata." },
      spec: { type: "object", "x-kubernetes-preserve-unknown-fields": true, description: "What the platform registered." },
      status: { type: "object", "x-kubernetes-preserve-unknown-fields": true, description: "What is observed now." },
    },
    "x-kubernetes-group-version-kind": [{ group: k.group, version: k.version, kind: k.kind }],
  };
}

/** The schema of one kind (a full object: apiVersion, kind, metadata, spec, status). */
export function kindSchema(k: KubeKind, ref: (n: string) => string, v2 = false): Schema {
  if (!k.promise) return registrySchema(k, ref);
  const spec = toOpenApiSchema(k.promise.schema, v2);
  if (!spec.description) spec.description = `What the request asks of the Promise "${k.promise.name}" (validated, defaults applied).`;
  return {
    type: "object",
    description: `${k.kind}: a request of the Promise "${k.promise.name}" ${k.promise.version}, served by Plinth.`,
    properties: {
      apiVersion: str(`APIVersion: "${apiVersionOf(k)}".`),
      kind: str(`Kind: "${k.kind}".`),
      metadata: { $ref: ref(OBJECT_META), description: "Standard object's metadata." },
      spec,
      status: toOpenApiSchema(requestStatusSchema, v2),
    },
    required: ["spec"],
    "x-kubernetes-group-version-kind": [{ group: k.group, version: k.version, kind: k.kind }],
  };
}

function operation(k: KubeKind, verb: string, action: string, ref: string, patch = false): Schema {
  const gvk = { group: k.group, version: k.version, kind: k.kind };
  const content = { schema: { $ref: ref } };
  return {
    operationId: `${verb}${k.kind}`,
    "x-kubernetes-action": action,
    "x-kubernetes-group-version-kind": gvk,
    parameters: [
      { name: "dryRun", in: "query", schema: { type: "string" }, description: "All: validate and preview, change nothing." },
      { name: "fieldManager", in: "query", schema: { type: "string" } },
      { name: "fieldValidation", in: "query", schema: { type: "string" } },
      ...(patch ? [{ name: "force", in: "query", schema: { type: "boolean" } }] : []),
    ],
    ...(action === "get" || action === "list" || action === "delete"
      ? {}
      : {
          requestBody: {
            content: patch
              ? { "application/json-patch+json": content, "application/merge-patch+json": content, "application/apply-patch+yaml": content }
              : { "application/json": content, "application/yaml": content },
          },
        }),
    responses: { "200": { description: "OK", content: { "application/json": content } } },
  };
}

/** `/openapi/v3/apis/<group>/<version>`. */
export function openApiV3(kinds: readonly KubeKind[], group: string, version: string): Schema | undefined {
  const list = groupsOf(kinds).get(group)?.get(version);
  if (!list) return undefined;
  const ref = (n: string) => `#/components/schemas/${n}`;
  const schemas: Record<string, Schema> = { [OBJECT_META]: objectMeta };
  const paths: Record<string, Schema> = {};
  for (const k of list) {
    const name = definitionName(k);
    schemas[name] = kindSchema(k, ref);
    const base = k.namespaced ? `/apis/${group}/${version}/namespaces/{namespace}/${k.plural}` : `/apis/${group}/${version}/${k.plural}`;
    const r = ref(name);
    paths[base] = k.promise ? { get: operation(k, "list", "list", r), post: operation(k, "create", "post", r) } : { get: operation(k, "list", "list", r) };
    paths[`${base}/{name}`] = k.promise
      ? { get: operation(k, "read", "get", r), put: operation(k, "replace", "put", r), patch: operation(k, "patch", "patch", r, true), delete: operation(k, "delete", "delete", r) }
      : { get: operation(k, "read", "get", r) };
  }
  return { openapi: "3.0.0", info: { title: "Plinth", version: `${group}/${version}` }, paths, components: { schemas } };
}

/** `/openapi/v3`: where each group-version's document is, with a content hash as kube-apiserver gives. */
export function openApiV3Index(kinds: readonly KubeKind[]): Schema {
  const paths: Record<string, Schema> = { "api/v1": { serverRelativeURL: "/openapi/v3/api/v1" } };
  for (const [g, versions] of groupsOf(kinds)) {
    for (const v of versions.keys()) {
      const hash = crypto.createHash("sha512").update(JSON.stringify(openApiV3(kinds, g, v))).digest("hex").slice(0, 128).toUpperCase();
      paths[`apis/${g}/${v}`] = { serverRelativeURL: `/openapi/v3/apis/${g}/${v}?hash=${hash}` };
    }
  }
  return { paths };
}

/** `/openapi/v3/api/v1`: no core resources, only the shared metadata schema. */
export function openApiV3Core(): Schema {
  return { openapi: "3.0.0", info: { title: "Plinth", version: "v1" }, paths: {}, components: { schemas: { [OBJECT_META]: objectMeta } } };
}

/** `/openapi/v2` (Swagger 2.0, JSON). */
export function openApiV2(kinds: readonly KubeKind[]): Schema {
  const ref = (n: string) => `#/definitions/${n}`;
  const definitions: Record<string, Schema> = { [OBJECT_META]: objectMeta };
  for (const k of kinds) definitions[definitionName(k)] = kindSchema(k, ref, true);
  return { swagger: "2.0", info: { title: "Plinth", version: "v1" }, paths: {}, definitions };
}
