/** GET of one object, its `status`, a list (`<Kind>List` or a Table) and watch, for requests and registry kinds. */
import type { RouteContext } from "../http/routes/context";
import { attempt, sendObject, targetOf, type Target } from "./context";
import { apiVersionOf } from "./kinds";
import { selectorFilter, toKube } from "./objects";
import { registryObjects } from "./registry";
import { forbidden, notFound } from "./status";
import { toTable, wantsTable, type KubeObject } from "./table";
import { isWatch, serveWatch } from "./watch";

async function objectsOf(ctx: RouteContext, t: Target): Promise<KubeObject[]> {
  if (t.kind.registry) return registryObjects(t.kind, ctx.service);
  const verb = isWatch(ctx.url) ? "watch" : "list";
  return attempt(ctx, { verb, kind: t.kind, namespace: t.namespace }, async () => {
    return (await ctx.service.list({ namespace: t.namespace, kind: t.kind.kind }, { caller: ctx.caller })).map(toKube);
  });
}

export async function getOne(ctx: RouteContext, t: Target): Promise<KubeObject> {
  const name = t.name!;
  if (t.kind.registry) {
    const found = registryObjects(t.kind, ctx.service).find((o) => o.metadata.name === name);
    if (!found) throw notFound(t.kind, name);
    return found;
  }
  return attempt(ctx, { verb: "get", kind: t.kind, namespace: t.namespace, name }, async () => {
    return toKube(await ctx.service.get({ namespace: t.namespace!, kind: t.kind.kind, name }, { caller: ctx.caller }));
  });
}

/** Listing across namespaces is cluster-scoped: like cluster-wide RBAC, only the platform's own token has it. */
function assertClusterScope(ctx: RouteContext, t: Target): void {
  if (t.kind.registry || t.namespace !== undefined || ctx.caller.namespaces === "*") return;
  throw forbidden({ verb: isWatch(ctx.url) ? "watch" : "list", kind: t.kind, user: ctx.caller.team });
}

export async function listOrWatch(ctx: RouteContext, t: Target): Promise<void> {
  assertClusterScope(ctx, t);
  const filter = selectorFilter(ctx.url);
  const table = wantsTable(ctx.req.headers.accept);
  if (isWatch(ctx.url) && !t.kind.registry) {
    await attempt(ctx, { verb: "watch", kind: t.kind, namespace: t.namespace }, async () => {
      await serveWatch({ req: ctx.req, res: ctx.res, url: ctx.url, service: ctx.service, caller: ctx.caller, kind: t.kind, namespace: t.namespace, filter, table });
    });
    return;
  }
  const resourceVersion = t.kind.registry ? "1" : (ctx.service.resourceVersion?.() ?? "1");
  const items = (await objectsOf(ctx, t)).filter(filter);
  if (isWatch(ctx.url)) {
    // Registry kinds change only with the platform's `up`: a watch sends what there is and ends.
    ctx.res.writeHead(200, { "Content-Type": "application/json" });
    for (const o of items) ctx.res.write(JSON.stringify({ type: "ADDED", object: table ? toTable(t.kind, [o]) : o }) + "\n");
    ctx.res.end();
    return;
  }
  if (table) {
    sendObject(ctx.res, 200, toTable(t.kind, items, { resourceVersion, includeObject: ctx.url.searchParams.get("includeObject") ?? undefined }));
    return;
  }
  sendObject(ctx.res, 200, { apiVersion: apiVersionOf(t.kind), kind: `${t.kind.kind}List`, metadata: { resourceVersion }, items });
}

export async function getItem(ctx: RouteContext): Promise<void> {
  const t = targetOf(ctx);
  const o = await getOne(ctx, t);
  if (wantsTable(ctx.req.headers.accept)) sendObject(ctx.res, 200, toTable(t.kind, [o], { resourceVersion: String(o.metadata.resourceVersion ?? "") }));
  else sendObject(ctx.res, 200, o);
}
