/**
 * Admission of a request body (apply and preview alike): the Promise serving it, its validation, the
 * caller's namespace, and the platform's reserved metadata. `plinth.dev/*` labels and annotations (team,
 * compound owner) are the platform's: a body may only repeat the values the stored request already has
 * (a GET → edit → PUT round trip); anything else is refused with 422 `ReservedMetadata`, so owner links
 * cannot be forged. The stored request keeps its reserved labels whatever the body says.
 */
import { BadRequestError, ConflictError, TooManyRequestsError, ValidationError, type FieldIssue } from "../../components/errors";
import { validateRequest } from "../../components/promise/schema";
import { PLATFORM_CALLER, assertMayUse } from "./auth";
import { ownerLabels } from "../../components/vocabulary/owner-labels";
import { ownerOf } from "./platform-agent";
import { promiseFor, type InstalledPromise } from "./installed";
import type { ReconcileQueue } from "./queue";
import type { RequestStore, StoredRequest } from "./store";
import { stackNameOf } from "./keys";
import { TEAM_ANNOTATION } from "./visibility";
import type { Caller, ManagedFieldsEntry, RequestKey, RequestObject } from "./types";

const RESERVED = /^([a-z0-9-]+\.)*plinth\.dev\//i;

export function isReserved(key: string): boolean {
  return RESERVED.test(key);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export interface Admitted {
  p: InstalledPromise;
  /** The object as it would be stored (labels final; generation, uid, times filled in by the writer). */
  obj: Omit<RequestObject, "status">;
  key: RequestKey;
}

/** Parses and validates a request object; answers the Promise, the canonical key and the object. */
export function admit(promises: readonly InstalledPromise[], object: unknown, caller: Caller): Admitted {
  if (!isRecord(object)) throw new BadRequestError("a request must be an object with apiVersion, kind, metadata and spec", undefined, "MalformedRequest");
  if (typeof object.apiVersion !== "string" || typeof object.kind !== "string") {
    throw new BadRequestError("a request needs apiVersion and kind (they select the Promise)", { issues: [{ path: ["apiVersion"], message: "required" }, { path: ["kind"], message: "required" }] }, "MalformedRequest");
  }
  const p = promiseFor(promises, object.kind, object.apiVersion);
  const meta = isRecord(object.metadata) ? object.metadata : {};
  const namespace = typeof meta.namespace === "string" && meta.namespace ? meta.namespace : "default";
  assertMayUse(caller, namespace);
  const valid = validateRequest(p.definition, { ...object, kind: p.entry.kind, metadata: { ...meta, namespace } });
  const obj: Omit<RequestObject, "status"> = {
    apiVersion: p.entry.apiVersion,
    kind: p.entry.kind,
    metadata: {
      name: valid.metadata.name,
      namespace,
      ...(valid.metadata.labels ? { labels: valid.metadata.labels } : {}),
      ...(valid.metadata.annotations ? { annotations: valid.metadata.annotations } : {}),
      // Server-side apply's field owners (the Kubernetes-compatible API computes them), kept as given.
      ...(Array.isArray(meta.managedFields) ? { managedFields: meta.managedFields as ManagedFieldsEntry[] } : {}),
      generation: 1,
      uid: "",
      creationTimestamp: "",
      resourceVersion: "",
    },
    spec: valid.spec as Record<string, unknown>,
  };
  return { p, obj, key: { namespace, kind: p.entry.kind, name: valid.metadata.name } };
}

/**
 * The labels to store for a body from a team: its own labels plus the stored request's reserved ones;
 * 422 when the body sets a reserved label or annotation to anything but its stored value.
 */
export function admittedLabels(obj: Omit<RequestObject, "status">, existing: StoredRequest | undefined): Record<string, string> | undefined {
  const issues: FieldIssue[] = [];
  for (const field of ["labels", "annotations"] as const) {
    const stored = existing?.object.metadata[field] ?? {};
    for (const [k, v] of Object.entries(obj.metadata[field] ?? {})) {
      if (isReserved(k) && stored[k] !== v) {
        issues.push({ path: ["metadata", field, k], message: `"${k}" is reserved for the platform (team and owner links): remove it from the request` });
      }
    }
  }
  if (issues.length) throw new ValidationError(`reserved metadata in the request: ${issues.map((i) => i.path.slice(2).join("")).join(", ")}`, issues, "ReservedMetadata");
  return mergeLabels(obj.metadata.labels, existing?.object.metadata.labels);
}

/** A compound child's labels: the rendered ones without reserved keys, plus the owner link. */
export function childLabels(obj: Omit<RequestObject, "status">, owner: RequestKey): Record<string, string> {
  return mergeLabels(obj.metadata.labels, ownerLabels(owner))!;
}

/** The annotations to store: the body's own (not reserved) plus the reserved ones given (the team). */
export function admittedAnnotations(obj: Omit<RequestObject, "status">, reservedFrom: Record<string, string> | undefined): Record<string, string> | undefined {
  return mergeLabels(obj.metadata.annotations, reservedFrom);
}

function mergeLabels(own: Record<string, string> | undefined, reservedFrom: Record<string, string> | undefined): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(own ?? {})) if (!isReserved(k)) out[k] = v;
  for (const [k, v] of Object.entries(reservedFrom ?? {})) if (isReserved(k)) out[k] = v;
  return Object.keys(out).length ? out : undefined;
}

/** A compound parent never adopts a request it did not create: 409 `ChildConflict` naming it. */
export function assertChildOf(existing: StoredRequest, owner: RequestKey, key: RequestKey): void {
  const o = ownerOf(existing);
  if (o && o.namespace === owner.namespace && o.name === owner.name && o.kind.toLowerCase() === owner.kind.toLowerCase()) return;
  throw new ConflictError(
    `${key.kind} "${key.name}" already exists in namespace "${key.namespace}" and was not created by ${owner.kind} "${owner.name}": rename one of them or delete the existing request`,
    { ...key, owner },
    "ChildConflict",
  );
}

/**
 * Refuses (429 `TooManyInFlight`, nothing written) new work for a team that already has `max` requests
 * queued or reconciling. The platform's own work is never refused; work on a request already queued
 * coalesces with it.
 */
export function assertMayQueue(o: { queue: ReconcileQueue; store: RequestStore; max: number }, key: RequestKey, caller: Caller): void {
  if (caller === PLATFORM_CALLER) return;
  if (o.queue.isBusy(stackNameOf(key))) return;
  let n = 0;
  for (const s of o.queue.busyKeys()) {
    const team = o.store.getByStack(s)?.object.metadata.annotations?.[TEAM_ANNOTATION];
    if (team === caller.team && ++n >= o.max) {
      throw new TooManyRequestsError(
        `team "${caller.team}" already has ${n} requests queued or reconciling, the limit (plinth:limits.maxInFlightPerTeam) is ${o.max}: retry once some are Ready`,
        { retryAfterSeconds: Math.max(1, Math.ceil(n / Math.max(1, o.queue.concurrency))), team: caller.team, limit: o.max },
        "TooManyInFlight",
      );
    }
  }
}
