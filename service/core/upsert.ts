/**
 * Upsert rules: how an admitted body changes a stored request. A changed spec or labels make a new
 * generation (and a reconcile); annotations and field owners alone make a new resource version only.
 * A compound child applied by the platform agent (`owner`) keeps its stored annotations and field owners.
 */
import * as crypto from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import { admittedAnnotations, admittedLabels, childLabels } from "./admission";
import { TEAM_ANNOTATION } from "./visibility";
import type { StoredRequest } from "./store";
import type { RequestKey, RequestObject } from "./types";

type Body = Omit<RequestObject, "status">;

export interface UpdatePlan {
  /** Spec or labels changed: a new generation to reconcile. */
  changed: boolean;
  generation: number;
  /** The object to store; undefined when nothing changed at all. */
  object?: StoredRequest["object"];
}

/** The stored object after `obj` is applied over `existing` (undefined `object`: nothing to write). */
export function planUpdate(existing: StoredRequest, obj: Body, owner: RequestKey | undefined): UpdatePlan {
  const labels = owner ? childLabels(obj, owner) : admittedLabels(obj, existing);
  const stored = existing.object.metadata;
  const annotations = owner ? stored.annotations : admittedAnnotations(obj, stored.annotations);
  const managedFields = owner ? stored.managedFields : obj.metadata.managedFields;
  const changed = !isDeepStrictEqual(existing.object.spec, obj.spec) || !isDeepStrictEqual(stored.labels, labels);
  const metaChanged = !isDeepStrictEqual(stored.annotations, annotations) || !isDeepStrictEqual(stored.managedFields, managedFields);
  const generation = stored.generation + (changed ? 1 : 0);
  if (!changed && !metaChanged) return { changed, generation };
  const metadata = { ...stored, labels, annotations, managedFields, generation };
  if (!labels) delete metadata.labels;
  if (!annotations) delete metadata.annotations;
  if (!managedFields) delete metadata.managedFields;
  return { changed, generation, object: { ...existing.object, metadata, spec: obj.spec } };
}

/** The object of a new request (generation 1), owned by `team`. */
export function newRequestObject(obj: Body, key: RequestKey, owner: RequestKey | undefined, team: string): Omit<RequestObject, "status"> {
  const labels = owner ? childLabels(obj, owner) : admittedLabels(obj, undefined);
  return {
    ...obj,
    metadata: {
      name: key.name,
      namespace: key.namespace,
      ...(labels ? { labels } : {}),
      generation: 1,
      uid: crypto.randomUUID(),
      creationTimestamp: new Date().toISOString(),
      annotations: { ...admittedAnnotations(obj, undefined), [TEAM_ANNOTATION]: team },
      ...(obj.metadata.managedFields && !owner ? { managedFields: obj.metadata.managedFields } : {}),
      resourceVersion: "",
    },
  };
}
