/**
 * A Promise's revision: changes when its version, API schema, workflows, dependencies, selectors or the
 * organisation's config of it change. Requests reconciled with an older revision are reconciled again.
 */
import * as crypto from "node:crypto";
import type { AnyPromise } from "../../components/promise/types";

function describe(v: unknown, seen = new WeakSet<object>()): unknown {
  if (typeof v === "function") return `fn:${v.toString()}`;
  if (Array.isArray(v)) return v.map((x) => describe(x, seen));
  if (v && typeof v === "object") {
    if (seen.has(v)) return "[cycle]";
    seen.add(v);
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) if (!k.startsWith("_")) out[k] = describe((v as Record<string, unknown>)[k], seen);
    return out;
  }
  return v;
}

export function promiseRevision(definition: AnyPromise, config: unknown): string {
  const body = JSON.stringify({
    version: definition.version,
    workflows: describe(definition.workflows),
    dependencies: describe(definition.dependencies),
    selectors: definition.destinationSelectors ?? [],
    config,
    clusterScoped: definition.clusterScoped ?? [],
    // Bumped when how every request is placed changes, so each is re-run once: 1 = tenancy checked
    // and each placement names its team's Flux account.
    placement: 1,
  });
  return `${definition.version}-${crypto.createHash("sha256").update(body).digest("hex").slice(0, 12)}`;
}
