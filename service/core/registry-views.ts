/**
 * Read-only views of the registry: the Marketplace (what ships, what is installed) and one installed
 * Promise with its requests counted by version. Pure functions over the installed Promises and records.
 */
import type { AnyPromise } from "../../components/promise/types";
import type { InstalledPromise } from "./installed";
import type { StoredRequest } from "./store";
import type { MarketplaceItem, PromiseView } from "./types";

/** One Promise the platform ships (promises/marketplace.ts `catalogue`), passed in by the composition root. */
export interface MarketplaceEntry {
  name: string;
  version: string;
  description: string;
  category: string;
  promise: AnyPromise;
}

/** Every marketplace Promise, whether (and at which version) it is installed. */
export function marketplaceView(catalogue: readonly MarketplaceEntry[], installed: readonly InstalledPromise[]): MarketplaceItem[] {
  return catalogue.map((c) => {
    const p = installed.find((x) => x.definition.name === c.name);
    return {
      name: c.name,
      version: c.version,
      description: c.description,
      category: c.category,
      apiVersion: `${c.promise.api.group}/${c.promise.api.version}`,
      kind: c.promise.api.kind,
      installed: p !== undefined,
      ...(p ? { installedVersion: p.definition.version } : {}),
    };
  });
}

/** An installed Promise and its requests: how many run its current revision, are pending, are Stalled. */
export function promiseView(p: InstalledPromise, all: readonly StoredRequest[]): PromiseView {
  const recs = all.filter((r) => r.promise === p.definition.name);
  const byVersion: Record<string, number> = {};
  for (const r of recs) {
    const v = r.status.promiseVersion ?? "(not reconciled yet)";
    byVersion[v] = (byVersion[v] ?? 0) + 1;
  }
  const current = recs.filter((r) => r.status.promiseRevision === p.revision).length;
  const stalled = recs.filter((r) => r.status.conditions.some((c) => c.type === "Stalled" && c.status === "True")).length;
  return { ...p.entry, revision: p.revision, requests: { total: recs.length, byVersion, current, pending: recs.length - current - stalled, stalled } };
}
