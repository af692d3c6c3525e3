/**
 * Helpers for writing a Promise (promises/namespace is written with them): the labels every rendered object
 * carries, outputs picked by name from a typed status, and the child requests of a compound Promise with
 * the owner labels the platform agent reads. The one-step workflow shorthand is `configure` on the
 * definition itself (components/promise/types.ts).
 */
import { ownerLabels, type Owner } from "../vocabulary/owner-labels";
import type { K8sObject, OutputsContext } from "./types";

/** Kratix's standard labels on what a Promise renders: managed by Plinth, which Promise, and `extra`. */
export function promiseLabels(promise: string, extra: Record<string, string> = {}): Record<string, string> {
  return { "app.kubernetes.io/managed-by": "plinth", "plinth.dev/promise": promise, ...extra };
}

/**
 * `outputs` as named fields of the status the workflow wrote, checked against the status type `St` (the
 * type the render step returns): `outputs: statusOutputs<RedisStatus>()("instanceName", "sentinel")`.
 */
export function statusOutputs<St extends Record<string, unknown>>() {
  return <K extends keyof St & string>(...keys: K[]) =>
    (ctx: OutputsContext<unknown, unknown>): Pick<St, K> =>
      Object.fromEntries(keys.filter((k) => ctx.status[k] !== undefined).map((k) => [k, ctx.status[k]])) as Pick<St, K>;
}

/**
 * A child request of a compound Promise: a request object for another Promise's API, in the parent's
 * namespace, named after the parent unless `name` is given, with the owner labels.
 */
export function childRequest(args: { apiVersion: string; kind: string; parent: Owner; spec: Record<string, unknown>; name?: string }): K8sObject {
  const { parent } = args;
  return { apiVersion: args.apiVersion, kind: args.kind, metadata: { name: args.name ?? parent.name, namespace: parent.namespace, labels: ownerLabels(parent) }, spec: args.spec };
}
