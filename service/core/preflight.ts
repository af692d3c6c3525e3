/**
 * Checks of a platform `up` against the requests that exist, before anything changes:
 * - a Promise removed from config that still has requests fails the `up` naming them, unless the config it
 *   was installed with says `deletionPolicy: Cascade` (then its requests are deleted first);
 * - a Promise whose new schema rejects existing requests fails naming the requests and fields, unless the
 *   Promise has a `migrate` function (then the stored specs are migrated).
 */
import { ValidationError, type FieldIssue } from "../../components/errors";
import { validateRequest } from "../../components/promise/schema";
import type { AnyPromise } from "../../components/promise/types";
import type { StoredRequest } from "./store";

export interface PreflightInput {
  requests: StoredRequest[];
  /** Promises of the new config: name → definition. */
  next: Map<string, AnyPromise>;
  /** Deletion policy of each Promise as last installed. */
  previousPolicy: (name: string) => "Block" | "Cascade";
}

export interface PreflightPlan {
  /** Requests to delete before the `up` (Cascade). */
  cascade: StoredRequest[];
  /** Requests whose spec a `migrate` function rewrote (persist before the `up`). */
  migrated: { rec: StoredRequest; spec: Record<string, unknown> }[];
}

const label = (r: StoredRequest) => `${r.object.metadata.namespace}/${r.object.kind}/${r.object.metadata.name}`;

export function planPreflight(input: PreflightInput): PreflightPlan {
  const live = input.requests.filter((r) => !r.object.metadata.deletionTimestamp);
  const cascade: StoredRequest[] = [];
  const blocked = new Map<string, string[]>();
  for (const r of live) {
    if (input.next.has(r.promise)) continue;
    if (input.previousPolicy(r.promise) === "Cascade") cascade.push(r);
    else blocked.set(r.promise, [...(blocked.get(r.promise) ?? []), label(r)]);
  }
  if (blocked.size) {
    const issues: FieldIssue[] = [...blocked].map(([name, reqs]) => ({ path: ["promises", name], message: `still has requests: ${reqs.join(", ")}` }));
    throw new ValidationError(
      `cannot remove ${[...blocked].map(([name, reqs]) => `Promise "${name}" while it has ${reqs.length} request(s) (${reqs.join(", ")})`).join("; ")}: delete them first, or install it with deletionPolicy: Cascade`,
      issues,
      "PromiseHasRequests",
    );
  }
  const migrated: PreflightPlan["migrated"] = [];
  const rejected: FieldIssue[] = [];
  for (const r of live) {
    const def = input.next.get(r.promise);
    if (!def) continue;
    const obj = { apiVersion: r.object.apiVersion, kind: r.object.kind, metadata: { name: r.object.metadata.name, namespace: r.object.metadata.namespace }, spec: r.object.spec };
    try {
      validateRequest(def, obj);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      if (def.migrate) {
        const spec = def.migrate(r.object.spec, r.status.promiseVersion) as Record<string, unknown>;
        validateRequest(def, { ...obj, spec }); // a migration that still fails is refused with its issues
        migrated.push({ rec: r, spec });
      } else {
        for (const i of err.issues) rejected.push({ path: [label(r), ...i.path], message: i.message });
      }
    }
  }
  if (rejected.length) {
    throw new ValidationError(
      `the new schema of ${[...new Set(live.filter((r) => rejected.some((i) => i.path[0] === label(r))).map((r) => r.promise))].join(", ")} rejects existing requests: ${rejected.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}; give the Promise a migrate function or change the requests first`,
      rejected,
      "SchemaRejectsRequests",
    );
  }
  return { cascade, migrated };
}
