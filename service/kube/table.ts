/**
 * Server-side printing (`Accept: application/json;as=Table;g=meta.k8s.io;v=v1`): `kubectl get` shows these
 * columns. Requests: NAME, READY, APPLIED, DESTINATIONS, AGE; the registry kinds their own.
 */
import type { KubeKind } from "./kinds";

export interface TableColumn {
  name: string;
  type: "string" | "integer" | "date";
  format: string;
  description: string;
  priority: number;
}

export interface TableRow {
  cells: unknown[];
  object?: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; creationTimestamp?: string; [k: string]: unknown };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

/** Whether the Accept header asks for a `meta.k8s.io` Table (v1 or v1beta1). */
export function wantsTable(accept: string | undefined): boolean {
  return (accept ?? "")
    .split(",")
    .map((s) => s.replace(/\s+/g, "").toLowerCase())
    .some((o) => o.includes("as=table") && o.includes("g=meta.k8s.io"));
}

/** Kubernetes' `HumanDuration` as `kubectl get` prints ages: `45s`, `5m10s`, `3h`, `2d5h`, `400d`. */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (h < 24 * 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 365 * 2) return `${d}d`;
  if (d < 365 * 8) return d % 365 === 0 ? `${Math.floor(d / 365)}y` : `${Math.floor(d / 365)}y${d % 365}d`;
  return `${Math.floor(d / 365)}y`;
}

function col(name: string, description: string, type: TableColumn["type"] = "string", priority = 0): TableColumn {
  return { name, type, format: name === "Name" ? "name" : "", description, priority };
}

const AGE = col("Age", "Time since the object was created.", "date");

export function columnsOf(kind: KubeKind): TableColumn[] {
  if (kind.promise) {
    return [
      col("Name", "Name of the request."),
      col("Ready", "The Ready condition: the request's files are written to its destinations."),
      col("Applied", "The Applied condition: Flux applied them on cluster destinations."),
      col("Destinations", "Destinations the request was scheduled to."),
      AGE,
      col("Message", "Summary of the last reconcile.", "string", 1),
    ];
  }
  if (kind.registry === "promises") return [col("Name", "Promise name."), col("Version", "Promise version."), col("API", "apiVersion/kind it serves."), col("Destinations", "Destinations with its Dependencies.")];
  if (kind.registry === "destinations") return [col("Name", "Destination name."), col("Labels", "Labels Promises select it by."), col("Path", "Its directory in the State Store."), col("State Store", "State Store Flux reads.")];
  return [col("Name", "State Store name."), col("URL", "Clone URL."), col("Branch", "Branch."), col("Path", "Path in the repository.")];
}

function conditionStatus(o: KubeObject, type: string): string {
  const list = (o.status?.conditions ?? []) as { type: string; status: string }[];
  return list.find((c) => c.type === type)?.status ?? "";
}

export function cellsOf(kind: KubeKind, o: KubeObject, now: number): unknown[] {
  if (kind.promise) {
    const created = o.metadata.creationTimestamp ? Date.parse(o.metadata.creationTimestamp) : now;
    const dests = (o.status?.destinations ?? []) as string[];
    return [o.metadata.name, conditionStatus(o, "Ready") || "Unknown", conditionStatus(o, "Applied"), dests.join(","), humanDuration(now - created), String(o.status?.message ?? "")];
  }
  const spec = o.spec ?? {};
  if (kind.registry === "promises") {
    const api = spec.api as { apiVersion?: string; kind?: string } | undefined;
    return [o.metadata.name, spec.version, `${api?.apiVersion}/${api?.kind}`, ((o.status?.destinations ?? []) as string[]).join(",")];
  }
  if (kind.registry === "destinations") {
    const labels = Object.entries((spec.labels ?? {}) as Record<string, string>).map(([k, v]) => `${k}=${v}`);
    return [o.metadata.name, labels.join(","), spec.path, spec.stateStore];
  }
  return [o.metadata.name, spec.url, spec.branch, spec.path];
}

/** `includeObject`: None, Metadata (default: a PartialObjectMetadata) or Object. */
function rowObject(o: KubeObject, include: string): unknown {
  if (include === "None") return undefined;
  if (include === "Object") return o;
  return { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: o.metadata };
}

export function toTable(kind: KubeKind, objects: readonly KubeObject[], opts: { resourceVersion?: string; includeObject?: string; noHeaders?: boolean; now?: number } = {}): unknown {
  const now = opts.now ?? Date.now();
  const include = opts.includeObject ?? "Metadata";
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: opts.resourceVersion ? { resourceVersion: opts.resourceVersion } : {},
    ...(opts.noHeaders ? {} : { columnDefinitions: columnsOf(kind) }),
    rows: objects.map((o) => {
      const object = rowObject(o, include);
      return { cells: cellsOf(kind, o, now), ...(object ? { object } : {}) };
    }),
  };
}
