/**
 * Writes of requests in Kubernetes terms — create (POST), update (PUT), patch (merge, JSON, strategic as
 * merge, server-side apply) and delete — translated to the service's `apply`/`preview`/`delete`, the one
 * validation path. Field owners are tracked in `metadata.managedFields`; `dryRun=All` previews.
 */
import { isDeepStrictEqual } from "node:util";
import { isReserved } from "../core/admission";
import type { ManagedFieldsEntry, RequestKey } from "../core/types";
import type { RouteContext } from "../http/routes/context";
import { fieldManagerOf, isDryRunAll, patchTypeOf, readKubeBody } from "./body";
import { attempt, sendObject, type Target } from "./context";
import { apiVersionOf, type KubeKind } from "./kinds";
import { recordUpdate, serverSideApply, type Owned } from "./managed-fields";
import { clientPart, toKube } from "./objects";
import { jsonPatch, mergePatch, strategicAsMerge } from "./patch";
import { getOne } from "./resource-read";
import { kubeError, KubeError } from "./status";
import type { KubeObject } from "./table";

type Part = ReturnType<typeof clientPart>;

/** The body's identity must agree with the URL (Kubernetes' messages); returns its client part. */
function checked(body: unknown, t: Target, name?: string): Part {
  const part = clientPart(body);
  const k = t.kind;
  if (part.apiVersion !== undefined && part.apiVersion !== apiVersionOf(k)) {
    throw kubeError(400, `the API version in the data (${String(part.apiVersion)}) does not match the expected API version (${apiVersionOf(k)})`, "BadRequest");
  }
  if (part.kind !== undefined && part.kind !== k.kind) throw kubeError(400, `the kind in the data (${String(part.kind)}) does not match the expected kind (${k.kind})`, "BadRequest");
  if (part.metadata.namespace !== undefined && part.metadata.namespace !== t.namespace) {
    throw kubeError(400, "the namespace of the provided object does not match the namespace sent on the request", "BadRequest");
  }
  if (name !== undefined && part.metadata.name !== undefined && part.metadata.name !== name) {
    throw kubeError(400, "the name of the object (" + String(part.metadata.name) + ") does not match the name on the URL (" + name + ")", "BadRequest");
  }
  return part;
}

function owned(o: Part | KubeObject | undefined): Owned {
  if (!o) return {};
  const md = o.metadata as { labels?: Record<string, string>; annotations?: Record<string, string> };
  const annotations = md.annotations ? Object.fromEntries(Object.entries(md.annotations).filter(([k]) => !isReserved(k))) : undefined;
  return { metadata: { labels: md.labels, annotations }, spec: o.spec as Record<string, unknown> | undefined };
}

interface Write {
  t: Target;
  name: string;
  next: Owned;
  managedFields: ManagedFieldsEntry[];
  mode: "create" | "upsert";
  resourceVersion?: string;
  dryRun: boolean;
  current?: KubeObject;
}

/** Hands the object to the service (or its preview for dry runs) and answers the stored object. */
async function write(ctx: RouteContext, w: Write, verb: string): Promise<KubeObject> {
  const k = w.t.kind;
  const body = {
    apiVersion: apiVersionOf(k),
    kind: k.kind,
    metadata: { name: w.name, namespace: w.t.namespace, ...w.next.metadata, managedFields: w.managedFields },
    spec: w.next.spec ?? {},
  };
  const key: RequestKey = { namespace: w.t.namespace!, kind: k.kind, name: w.name };
  return attempt(ctx, { verb, kind: k, namespace: w.t.namespace, name: w.name }, async () => {
    if (w.dryRun) {
      await ctx.service.preview(body, { caller: ctx.caller });
      const base = w.current ?? { metadata: { uid: "", creationTimestamp: new Date().toISOString(), generation: 1 }, status: {} };
      return { ...base, ...body, metadata: { ...base.metadata, ...body.metadata }, status: base.status } as KubeObject;
    }
    await ctx.service.apply(body, { caller: ctx.caller, mode: w.mode, resourceVersion: w.resourceVersion });
    return toKube(await ctx.service.get(key, { caller: ctx.caller }));
  });
}

function readOnly(kind: KubeKind, verb: string): void {
  if (kind.registry) throw kubeError(405, `${verb} is not supported on ${kind.plural}: the registry is read-only (change it with the platform's pulumi up)`, "MethodNotAllowed");
}

export async function createItem(ctx: RouteContext, t: Target): Promise<void> {
  readOnly(t.kind, "create");
  const body = await readKubeBody(ctx);
  const part = checked(body, t);
  const name = typeof part.metadata.name === "string" ? part.metadata.name : "";
  const apiVersion = apiVersionOf(t.kind);
  const next = owned(part);
  const managedFields = recordUpdate(undefined, next, [], fieldManagerOf(ctx, false), apiVersion);
  const o = await write(ctx, { t, name, next, managedFields, mode: "create", dryRun: isDryRunAll(ctx.url) }, "create");
  sendObject(ctx.res, 201, o);
}

export async function updateItem(ctx: RouteContext, t: Target): Promise<void> {
  readOnly(t.kind, "update");
  const body = await readKubeBody(ctx);
  const part = checked(body, t, t.name);
  const current = await getOne(ctx, t);
  const sent = (body as { metadata?: { resourceVersion?: unknown; managedFields?: unknown } }).metadata;
  const next = owned(part);
  const cm = (current.metadata.managedFields ?? []) as ManagedFieldsEntry[];
  const managedFields = Array.isArray(sent?.managedFields) && !isDeepStrictEqual(sent.managedFields, cm)
    ? (sent.managedFields as ManagedFieldsEntry[])
    : recordUpdate(owned(current), next, cm, fieldManagerOf(ctx, false), apiVersionOf(t.kind));
  const resourceVersion = typeof sent?.resourceVersion === "string" ? sent.resourceVersion : undefined;
  const o = await write(ctx, { t, name: t.name!, next, managedFields, mode: "upsert", resourceVersion, dryRun: isDryRunAll(ctx.url), current }, "update");
  sendObject(ctx.res, 200, o);
}

/** One patch attempt on the current object; a lost race with another writer is retried by the caller. */
async function patchOnce(ctx: RouteContext, t: Target, type: ReturnType<typeof patchTypeOf>, patch: unknown): Promise<{ status: number; o: KubeObject }> {
  const apiVersion = apiVersionOf(t.kind);
  const dryRun = isDryRunAll(ctx.url);
  let current: KubeObject | undefined;
  try {
    current = await getOne(ctx, t);
  } catch (err) {
    if (!(type === "apply" && err instanceof KubeError && err.status === 404)) throw err;
  }
  const cm = (current?.metadata.managedFields ?? []) as ManagedFieldsEntry[];
  if (type === "apply") {
    const part = checked(patch, t, t.name);
    const manager = fieldManagerOf(ctx, true);
    const force = ctx.url.searchParams.get("force") === "true";
    const r = serverSideApply({ current: owned(current), managedFields: cm, applied: owned(part), manager, apiVersion, force });
    const rv = current?.metadata.resourceVersion as string | undefined;
    const o = await write(ctx, { t, name: t.name!, next: r.object, managedFields: r.managedFields, mode: current ? "upsert" : "create", resourceVersion: rv, dryRun, current }, "patch");
    return { status: current ? 200 : 201, o };
  }
  const base = current!;
  const patched = (type === "json" ? jsonPatch(base, patch) : mergePatch(base, type === "strategic" ? strategicAsMerge(patch) : patch)) as KubeObject;
  const part = checked({ ...patched, metadata: { ...(patched.metadata ?? {}), name: t.name, namespace: t.namespace } }, t, t.name);
  const next = owned(part);
  const pm = patched.metadata?.managedFields;
  const managedFields = Array.isArray(pm) && !isDeepStrictEqual(pm, cm) ? (pm as ManagedFieldsEntry[]) : recordUpdate(owned(base), next, cm, fieldManagerOf(ctx, false), apiVersion);
  const asked = patched.metadata?.resourceVersion;
  const resourceVersion = typeof asked === "string" && asked !== "" ? asked : (base.metadata.resourceVersion as string | undefined);
  const o = await write(ctx, { t, name: t.name!, next, managedFields, mode: "upsert", resourceVersion, dryRun, current: base }, "patch");
  return { status: 200, o };
}

export async function patchItem(ctx: RouteContext, t: Target): Promise<void> {
  readOnly(t.kind, "patch");
  const type = patchTypeOf(ctx.req.headers["content-type"]);
  const patch = await readKubeBody(ctx);
  const pinned = JSON.stringify(patch).includes('"resourceVersion"');
  for (let i = 0; ; i++) {
    try {
      const { status, o } = await patchOnce(ctx, t, type, patch);
      sendObject(ctx.res, status, o);
      return;
    } catch (err) {
      // Kubernetes retries a patch that lost a race (unless the patch itself names a resource version).
      const raced = err instanceof KubeError && err.status === 409 && err.kubeStatus.reason === "Conflict" && !err.message.startsWith("Apply failed");
      if (!raced || pinned || i >= 4) throw err;
    }
  }
}

export async function deleteItem(ctx: RouteContext, t: Target): Promise<void> {
  readOnly(t.kind, "delete");
  const options = (await readKubeBody(ctx, true)) as { preconditions?: { resourceVersion?: string; uid?: string } } | undefined;
  const current = await getOne(ctx, t);
  const pre = options?.preconditions;
  if (pre?.uid && pre.uid !== current.metadata.uid) {
    throw kubeError(409, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${String(current.metadata.uid)}`, "Conflict");
  }
  const name = t.name!;
  const a = { verb: "delete", kind: t.kind, namespace: t.namespace, name };
  if (isDryRunAll(ctx.url, options)) {
    sendObject(ctx.res, 200, current);
    return;
  }
  const key = { namespace: t.namespace!, kind: t.kind.kind, name };
  const after = await attempt(ctx, a, async () => {
    await ctx.service.delete(key, { caller: ctx.caller, resourceVersion: pre?.resourceVersion });
    try {
      return toKube(await ctx.service.get(key, { caller: ctx.caller }));
    } catch {
      return undefined;
    }
  });
  if (after) sendObject(ctx.res, 200, after);
  else sendObject(ctx.res, 200, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details: { name, group: t.kind.group, kind: t.kind.plural, uid: current.metadata.uid } });
}
