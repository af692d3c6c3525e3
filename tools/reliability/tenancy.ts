/**
 * `tenancy`: teams alpha and beta (each with its own namespace, both with `shared`). Each creates
 * requests whose spec carries a marker only it knows; then each calls every endpoint with every verb
 * against the other's objects. A cross-team read is any answer carrying the other's marker; a
 * cross-team write is any change to the other's requests. Escape attempts (other teams' and system
 * namespaces, forged `plinth.dev/*` owner labels) count as committed when Git then holds an object of
 * the attempt in a namespace the team does not own.
 */
import { parseAllDocuments } from "yaml";
import type { Figure } from "../bench/report";
import { call, requestPath, type RequestView, type Team } from "./api";
import type { Ctx } from "./context";
import { tenancyFigure, type TenancyCounts } from "./figures";

const KIND = "TeamNamespace";
const VERBS = ["GET", "POST", "PUT", "DELETE", "PATCH"];
const tn = (name: string, namespace: string, team: string, labels?: Record<string, string>) =>
  JSON.stringify({ apiVersion: "plinth.dev/v1alpha1", kind: KIND, metadata: { name, namespace, ...(labels ? { labels } : {}) }, spec: { team } });

interface Owned {
  team: Team;
  marker: string;
  /** [namespace, name] of its requests. */
  requests: [string, string][];
}

/** Every path the API serves, filled in for one of `victim`'s requests. */
export function endpoints(ns: string, name: string): string[] {
  const p = requestPath(ns, KIND, name);
  return [
    "/v1/requests", `/v1/requests?namespace=${ns}`, `/v1/requests?namespace=${ns}&kind=${KIND}`, p, `${p}/events`, `${p}/reconcile`, `/v1/requests?dryRun=true`,
    "/v1/promises", "/v1/promises/namespace", "/v1/marketplace", "/v1/destinations", "/v1/statestores", "/v1/statestores/default/unowned", "/metrics", "/healthz",
  ];
}

async function snapshot(ctx: Ctx, o: Owned): Promise<string> {
  const views = [];
  for (const [ns, name] of o.requests) {
    const r = await call(ctx.url, o.team.token, "GET", requestPath(ns, KIND, name));
    const v = r.json as RequestView | undefined;
    views.push(r.status === 200 ? JSON.stringify([v?.metadata.generation, v?.metadata.deletionTimestamp ?? null, v?.spec]) : `status ${r.status}`);
  }
  return views.join("|");
}

async function probe(ctx: Ctx, attacker: Team, victim: Owned, c: TenancyCounts): Promise<void> {
  for (const [ns, name] of victim.requests) {
    for (const path of endpoints(ns, name)) {
      for (const verb of VERBS) {
        const body = verb === "POST" || verb === "PUT" || verb === "PATCH" ? tn(name, ns, attacker.name) : undefined;
        // An event stream stays open: read it for a moment only.
        const reply = await call(ctx.url, attacker.token, verb, path, body, "application/json", path.endsWith("/events") ? 1500 : 30_000);
        c.probes++;
        if (reply.status >= 500) {
          c.responses5xx++;
          c.crossReads.push(`${attacker.name} ${verb} ${path} → ${reply.status}: ${reply.text.slice(0, 150)}`);
        }
        if (reply.text.includes(victim.marker)) c.crossReads.push(`${attacker.name} ${verb} ${path} → ${reply.status} shows ${victim.team.name}'s spec`);
      }
    }
  }
}

/** Objects in Git written for `name` (a request of the attacker's) in a namespace `team` does not own. */
async function escapedObjects(ctx: Ctx, files: string[], ns: string, name: string, team: Team): Promise<string[]> {
  const out: string[] = [];
  for (const f of files.filter((x) => x.includes(`/resources/${ns}/namespace/${name}/`) && /\.ya?ml$/.test(x) && !x.endsWith("kustomization.yaml"))) {
    for (const d of parseAllDocuments(await ctx.repo.read(f))) {
      const o = d.toJS() as { kind?: string; metadata?: { name?: string; namespace?: string } } | null;
      if (!o?.metadata) continue;
      const where = o.kind === "Namespace" ? o.metadata.name : o.metadata.namespace;
      if (where !== undefined && !team.namespaces.includes(where)) out.push(`${f}: ${o.kind} in "${where}"`);
    }
  }
  return out;
}

export async function tenancyFigureRun(ctx: Ctx): Promise<Figure> {
  const c: TenancyCounts = { probes: 0, crossReads: [], crossWrites: [], escapes: 0, escapesCommitted: [], responses5xx: 0 };
  const own = (team: Team, marker: string): Owned => ({ team, marker, requests: [[team.namespaces[0], team.namespaces[0]], ["shared", `${team.name}-app`]] });
  const alpha = own(ctx.alpha, `alphamark${ctx.seed}x`);
  const beta = own(ctx.beta, `betamark${ctx.seed}x`);
  for (const o of [alpha, beta]) {
    for (const [ns, name] of o.requests) {
      const r = await call(ctx.url, o.team.token, "PUT", requestPath(ns, KIND, name), tn(name, ns, o.marker));
      if (r.status !== 200 && r.status !== 201) throw new Error(`${o.team.name}: PUT ${ns}/${name} → ${r.status}: ${r.text.slice(0, 300)}`);
    }
  }
  await ctx.idle();
  const before = [await snapshot(ctx, alpha), await snapshot(ctx, beta)];
  await probe(ctx, ctx.beta, alpha, c);
  await probe(ctx, ctx.alpha, beta, c);
  await ctx.idle();
  const after = [await snapshot(ctx, alpha), await snapshot(ctx, beta)];
  if (after[0] !== before[0]) c.crossWrites.push(`alpha's requests changed under beta's calls: ${before[0]} → ${after[0]}`);
  if (after[1] !== before[1]) c.crossWrites.push(`beta's requests changed under alpha's calls: ${before[1]} → ${after[1]}`);

  // Escapes, as beta: its own namespace holds requests that try to render elsewhere.
  const b = ctx.beta;
  const home = b.namespaces[0];
  const attempts: { ns: string; name: string; labels?: Record<string, string> }[] = [
    { ns: home, name: "kube-system" },
    { ns: home, name: "flux-system" },
    { ns: home, name: ctx.alpha.namespaces[0] },
    { ns: home, name: "default" },
    { ns: ctx.alpha.namespaces[0], name: "beta-in-alpha" },
    { ns: "kube-system", name: "beta-in-kube-system" },
    { ns: home, name: "forged-owner", labels: { "plinth.dev/owner": `${ctx.alpha.namespaces[0]}.teamnamespace.${ctx.alpha.namespaces[0]}` } },
    { ns: home, name: "forged-team", labels: { "plinth.dev/team": ctx.alpha.name } },
  ];
  for (const a of attempts) {
    c.escapes++;
    const r = await call(ctx.url, b.token, "POST", "/v1/requests", tn(a.name, a.ns, "beta", a.labels));
    if (r.status >= 500) c.responses5xx++;
  }
  await ctx.idle();
  const files = await ctx.repo.files();
  for (const a of attempts) {
    for (const e of await escapedObjects(ctx, files, a.ns, a.name, b)) c.escapesCommitted.push(`beta's ${a.ns}/${a.name}: ${e}`);
    if (a.labels) {
      const r = await call(ctx.url, b.token, "GET", requestPath(a.ns, KIND, a.name));
      const labels = (r.json as RequestView | undefined)?.metadata?.labels ?? {};
      if (r.status === 200 && Object.keys(labels).some((k) => k.startsWith("plinth.dev/"))) c.escapesCommitted.push(`beta's ${a.ns}/${a.name} was stored with forged label(s) ${Object.keys(labels).join(", ")}`);
    }
  }
  const alphaAfter = await snapshot(ctx, alpha);
  if (alphaAfter !== before[0]) c.crossWrites.push(`alpha's requests changed under beta's escape attempts: ${before[0]} → ${alphaAfter}`);
  return tenancyFigure(c);
}
