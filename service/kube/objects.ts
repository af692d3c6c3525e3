/**
 * Requests as Kubernetes objects, and back: what a client may send the service (server-set metadata and
 * `plinth.dev/*` annotations dropped), label and field selectors on lists.
 */
import { isReserved } from "../core/admission";
import type { RequestObject } from "../core/types";
import { kubeError } from "./status";
import type { KubeObject } from "./table";

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A stored request as served (copies: callers may change the result). */
export function toKube(o: RequestObject): KubeObject {
  return structuredClone(o) as unknown as KubeObject;
}

/**
 * What the client controls of an object: apiVersion, kind, name, namespace, labels, annotations (not the
 * platform's `plinth.dev/*`) and spec. Everything the server sets is dropped.
 */
export function clientPart(o: unknown): { apiVersion?: unknown; kind?: unknown; metadata: { name?: unknown; namespace?: unknown; labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: Record<string, unknown> } {
  const obj = isRecord(o) ? o : {};
  const md = isRecord(obj.metadata) ? obj.metadata : {};
  const annotations = isRecord(md.annotations) ? Object.fromEntries(Object.entries(md.annotations).filter(([k]) => !isReserved(k))) : undefined;
  return {
    ...(obj.apiVersion !== undefined ? { apiVersion: obj.apiVersion } : {}),
    ...(obj.kind !== undefined ? { kind: obj.kind } : {}),
    metadata: {
      ...(md.name !== undefined ? { name: md.name } : {}),
      ...(md.namespace !== undefined ? { namespace: md.namespace } : {}),
      ...(isRecord(md.labels) && Object.keys(md.labels).length ? { labels: md.labels as Record<string, string> } : {}),
      ...(annotations && Object.keys(annotations).length ? { annotations: annotations as Record<string, string> } : {}),
    },
    ...(obj.spec !== undefined ? { spec: obj.spec as Record<string, unknown> } : {}),
  };
}

type Requirement = (labels: Record<string, string>) => boolean;

/** Kubernetes label selector syntax: `a=b`, `a==b`, `a!=b`, `a`, `!a`, `a in (x,y)`, `a notin (x)`. */
export function parseLabelSelector(sel: string): Requirement {
  const reqs: Requirement[] = [];
  const parts = sel.match(/(?:[^,(]+(?:\([^)]*\))?)+/g) ?? [];
  for (const raw of parts) {
    const p = raw.trim();
    if (!p) continue;
    let m: RegExpExecArray | null;
    if ((m = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(p))) {
      const [, k, op, vals] = m;
      const set = new Set(vals.split(",").map((v) => v.trim()));
      reqs.push(op === "in" ? (l) => k in l && set.has(l[k]) : (l) => !(k in l) || !set.has(l[k]));
    } else if ((m = /^([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)$/.exec(p))) {
      const [, k, op, v] = m;
      reqs.push(op === "!=" ? (l) => l[k] !== v : (l) => l[k] === v);
    } else if ((m = /^!\s*([\w./-]+)$/.exec(p))) {
      const k = m[1];
      reqs.push((l) => !(k in l));
    } else if ((m = /^([\w./-]+)$/.exec(p))) {
      const k = m[1];
      reqs.push((l) => k in l);
    } else {
      throw kubeError(400, `unable to parse requirement: invalid label selector "${p}"`, "BadRequest");
    }
  }
  return (labels) => reqs.every((r) => r(labels));
}

const FIELDS: Record<string, (o: KubeObject) => string | undefined> = {
  "metadata.name": (o) => o.metadata.name,
  "metadata.namespace": (o) => o.metadata.namespace,
};

/** Field selectors on `metadata.name` and `metadata.namespace` (`=`, `==`, `!=`), as for custom resources. */
export function parseFieldSelector(sel: string): (o: KubeObject) => boolean {
  const reqs = sel
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((p) => {
      const m = /^([\w.]+)\s*(==|=|!=)\s*(.*)$/.exec(p);
      if (!m) throw kubeError(400, `invalid field selector "${p}"`, "BadRequest");
      const get = FIELDS[m[1]];
      if (!get) throw kubeError(400, `"${m[1]}" is not a known field selector: only "metadata.name", "metadata.namespace"`, "BadRequest");
      const [, , op, v] = m;
      return (o: KubeObject) => (op === "!=" ? get(o) !== v : get(o) === v);
    });
  return (o) => reqs.every((r) => r(o));
}

/** The list query's selectors as one filter. */
export function selectorFilter(url: URL): (o: KubeObject) => boolean {
  const ls = url.searchParams.get("labelSelector");
  const fs = url.searchParams.get("fieldSelector");
  const byLabel = ls ? parseLabelSelector(ls) : undefined;
  const byField = fs ? parseFieldSelector(fs) : undefined;
  return (o) => (!byLabel || byLabel((o.metadata.labels ?? {}) as Record<string, string>)) && (!byField || byField(o));
}
