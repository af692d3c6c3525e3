/** What each resource handler works out from the path: the kind, namespace and name, and how to word errors. */
import type { ServerResponse } from "node:http";
import type { RouteContext } from "../http/routes/context";
import { findKind, kubeKinds, type KubeKind } from "./kinds";
import { KubeError, kubeError, toKubeStatus, type Attempt } from "./status";

export interface Target {
  kind: KubeKind;
  namespace?: string;
  name?: string;
}

/** The kind at `/apis/<group>/<version>/[namespaces/<ns>/]<plural>[/<name>]`, or 404 like kube-apiserver. */
export function targetOf(ctx: RouteContext): Target {
  const { group, version, plural, namespace, name } = ctx.params;
  const kind = findKind(kubeKinds(ctx.service), group, version, plural);
  if (!kind) throw kubeError(404, "the server could not find the requested resource", "NotFound", {});
  if (namespace !== undefined && !kind.namespaced) throw kubeError(404, "the server could not find the requested resource", "NotFound", {});
  return { kind, namespace, name };
}

/** Runs `work`, rewording any error the service raises as Kubernetes would for this attempt. */
export async function attempt<T>(ctx: RouteContext, a: Omit<Attempt, "user">, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof KubeError) throw err;
    const s = toKubeStatus(err, { ...a, user: ctx.caller.team });
    throw new KubeError({ message: s.message, reason: s.reason, code: s.code, details: s.details });
  }
}

export function sendObject(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body) + "\n";
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": String(Buffer.byteLength(text)), "Cache-Control": "no-store" });
  res.end(text);
}
