/** Preview of a request: the files that applying would write (diffed against Git) — changes nothing. */
import { checkRequest, planRequest } from "../../components/promise/request-plan";
import type { Tenant } from "../../components/promise/tenancy";
import type { RequestPlanStatus as PlanStatus } from "../../components/promise/request-status";
import type { ResolvedDestination } from "../../components/vocabulary/destination";
import type { StoreRegistry } from "./stores";
import { unifiedDiff } from "./diff";
import { isSecretFile, secretFileDiff } from "./secret-diff";
import type { InstalledPromise } from "./installed";
import type { StoredRequest } from "./store";
import type { PreviewFile, PreviewResult, RequestKey, RequestObject } from "./types";

export interface PreviewArgs {
  promise: InstalledPromise;
  object: Omit<RequestObject, "status">;
  key: RequestKey;
  existing?: StoredRequest;
  destinations: ResolvedDestination[];
  defaultStore: string;
  stores: StoreRegistry;
  /** The caller: a preview refuses what the reconcile would (ForbiddenPlacement, 403). */
  tenant: Tenant;
  /** Each destination's age private key, by name: the current encrypted files are decrypted to diff (secret-diff.ts). */
  sopsKeys?: () => Promise<Record<string, string>>;
}

export async function previewRequest(a: PreviewArgs): Promise<PreviewResult> {
  const args = {
    promise: a.promise.definition,
    config: a.promise.config,
    request: a.object,
    destinations: a.destinations,
    store: a.defaultStore,
    previousDestinations: (a.existing?.status as { groups?: PlanStatus["destinations"] } | undefined)?.groups,
    tenant: a.tenant,
  };
  const plan = await planRequest(a.key.name, args, checkRequest(args));
  const files: PreviewFile[] = [];
  const seenDirs = new Set<string>();
  for (const p of plan.placements) {
    seenDirs.add(p.dir);
    const current = (await a.stores.writer(p.store).readDirectory({ dir: p.dir })) ?? {};
    const names = new Set([...Object.keys(current), ...Object.keys(p.files)]);
    for (const f of [...names].sort()) {
      const before: string | undefined = current[f];
      const after: string | undefined = p.files[f];
      // Secrets: decrypted here to compare; the diff names changed keys, never a value.
      if (isSecretFile(f, before, after)) {
        const key = (await a.sopsKeys?.())?.[p.destination];
        files.push({ destination: p.destination, path: `${p.dir}/${f}`, ...(await secretFileDiff(`${p.dir}/${f}`, before, after, key ? [key] : [])) });
        continue;
      }
      const change = before === undefined ? "create" : after === undefined ? "delete" : before === after ? "same" : "update";
      files.push({ destination: p.destination, path: `${p.dir}/${f}`, change, diff: change === "same" ? "" : unifiedDiff(`${p.dir}/${f}`, before, after) });
    }
  }
  // Directories the request wrote before that it would no longer write: each file's content in Git, all `-`.
  const gone = new Map<string, Promise<Record<string, string> | undefined>>();
  for (const f of a.existing?.status.files ?? []) {
    const dir = f.path.slice(0, f.path.lastIndexOf("/"));
    if (seenDirs.has(dir)) continue;
    const store = a.destinations.find((d) => d.name === f.destination)?.stateStore ?? a.defaultStore;
    if (!gone.has(`${store}:${dir}`)) gone.set(`${store}:${dir}`, a.stores.writer(store).readDirectory({ dir }));
    const before = (await gone.get(`${store}:${dir}`))?.[f.path.slice(dir.length + 1)];
    if (before === undefined) continue; // already gone from Git: nothing to delete
    files.push({ destination: f.destination, path: f.path, change: "delete", diff: unifiedDiff(f.path, before, undefined) });
  }
  return {
    namespace: a.key.namespace,
    kind: a.key.kind,
    name: a.key.name,
    destinations: [...new Set(plan.placements.map((p) => p.destination))],
    files,
    // Actions a step declares (Slack, PagerDuty, …): named, never with their inputs (credentials).
    actions: (plan.actions ?? []).map((x) => ({ name: x.step, kind: x.kind, change: a.existing ? "update if its inputs changed" : "create" })),
  };
}
