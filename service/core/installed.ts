/**
 * A Promise as the service runs it: its definition, organisation config, revision and registry entry;
 * and the lookup of the one serving a kind.
 */
import { NotFoundError } from "../../components/errors";
import type { AnyPromise, RegistryEntry } from "../../components/promise/types";

/** How often a failing workflow is retried (per Promise in the platform config: `backoff`). */
export interface Backoff {
  /** Attempts of a configure run before the request is Stalled (delete workflows retry without limit). */
  limit: number;
  initialMs: number;
  maxMs: number;
}

export interface InstalledPromise {
  definition: AnyPromise;
  /** `promiseRevision(definition, config)`: requests reconciled with another revision are re-run. */
  revision: string;
  /** Organisation config (validated at installation). */
  config: unknown;
  entry: RegistryEntry;
  /** Retry limits of its workflows (platform config `promises[].backoff`). */
  backoff?: Backoff;
}

/** The installed Promise serving `apiVersion`/`kind` (kind also by plural, any case). */
export function promiseFor(promises: readonly InstalledPromise[], kind: string, apiVersion?: string): InstalledPromise {
  const k = kind.toLowerCase();
  const found = promises.find((p) => (p.entry.kind.toLowerCase() === k || p.entry.plural.toLowerCase() === k) && (apiVersion === undefined || p.entry.apiVersion === apiVersion));
  if (!found) {
    const known = promises.map((p) => `${p.entry.apiVersion}/${p.entry.kind}`).join(", ") || "(none)";
    throw new NotFoundError(`no installed Promise serves ${apiVersion ? `${apiVersion} ` : ""}kind "${kind}"; installed: ${known}`, { apiVersion, kind }, "PromiseNotFound");
  }
  return found;
}
