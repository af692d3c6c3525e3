/**
 * Admission of a request body (apply and preview alike): the Promise serving it, its validation and the
 * caller's namespace.
 */
import { BadRequestError, NotFoundError } from "../../components/errors";
import { validateRequest } from "../../components/promise/schema";
import { assertMayUse } from "./auth";
import { OWNER_KIND, OWNER_NAME, OWNER_NAMESPACE } from "./platform-agent";
import type { InstalledPromise } from "./service";
import type { StoredRequest } from "./store";
import type { Caller, RequestKey, RequestObject } from "./types";

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The installed Promise serving `apiVersion`/`kind` (kind also by plural, any case). */
export function promiseFor(promises: readonly InstalledPromise[], kind: string, apiVersion?: string): InstalledPromise {
  const k = kind.toLowerCase();
  const found = promises.find((p) => (p.entry.kind.toLowerCase() === k || p.entry.plural.toLowerCase() === k) && (apiVersion === undefined || p.entry.apiVersion === apiVersion));
  if (!found) {
    const known = promises.map((p) => `${p.entry.apiVersion}/${p.entry.kind}`).join(", ") || "(none)";
    throw new NotFoundError(`no installed Promise serves ${apiVersion ? `${apiVersion} ` : ""}kind "${kind}"; installed: ${known}`, { apiVersion, kind }, "PromiseNotFound");
  }
  return found;
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
    metadata: { name: valid.metadata.name, namespace, ...(valid.metadata.labels ? { labels: valid.metadata.labels } : {}), ...(valid.metadata.annotations ? { annotations: valid.metadata.annotations } : {}), generation: 1, uid: "", creationTimestamp: "", resourceVersion: "" },
    spec: valid.spec as Record<string, unknown>,
  };
  return { p, obj, key: { namespace, kind: p.entry.kind, name: valid.metadata.name } };
}

/** The labels to store for a body from a team: the body's. */
export function admittedLabels(obj: Omit<RequestObject, "status">, _existing: StoredRequest | undefined): Record<string, string> | undefined {
  return obj.metadata.labels;
}

/** A compound child's labels: the rendered ones plus the owner link. */
export function childLabels(obj: Omit<RequestObject, "status">, owner: RequestKey): Record<string, string> {
  return { ...obj.metadata.labels, [OWNER_NAMESPACE]: owner.namespace, [OWNER_KIND]: owner.kind, [OWNER_NAME]: owner.name };
}
