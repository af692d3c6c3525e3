/** The Promises a platform config installs, as the service runs them (definition, config, revision, backoff). */
import { parseConfig } from "../../components/promise/schema";
import type { AnyPromise } from "../../components/promise/types";
import { parseGoDuration } from "../../components/workflow/actions/kratix-io";
import type { InstalledPromise } from "../../service/core";
import { promiseRevision } from "../../service/core/revision";
import type { PlatformConfig } from "../config";
import { withSelectors } from "../platform";
import type { PlatformOutputs } from "./types";

type PromiseEntry = PlatformConfig["promises"][number];

/** A configured Promise with the platform team's extra selectors and its parsed organisation config. */
export function configuredPromise(p: PromiseEntry, catalogue: Readonly<Record<string, AnyPromise>>): { definition: AnyPromise; config: unknown } {
  const definition = withSelectors(catalogue[p.name], p.destinationSelectors);
  const parsed = parseConfig(definition, p.config);
  return { definition, config: parsed.ok ? parsed.value : {} };
}

/** Each configured Promise with the platform team's selectors, its parsed config and its registry entry. */
export function installedPromises(cfg: PlatformConfig, outputs: PlatformOutputs, catalogue: Readonly<Record<string, AnyPromise>>): InstalledPromise[] {
  return cfg.promises.map((p) => {
    const { definition, config } = configuredPromise(p, catalogue);
    const entry = outputs.promises.find((e) => e.name === p.name)!;
    const b = p.backoff;
    const backoff = b ? { limit: b.limit, initialMs: parseGoDuration(b.initialDelay) ?? 1000, maxMs: parseGoDuration(b.maxDelay) ?? 300_000 } : undefined;
    return { definition, config, revision: promiseRevision(definition, config), entry: entry as never, ...(backoff ? { backoff } : {}) };
  });
}
