/** What the in-process figures share: one embedded platform, its teams and its State Store. */
import type { BareRepo, Team } from "./api";

export interface Ctx {
  url: string;
  /** The embedded default's dev team (namespaces default, dev, team-a, team-b). */
  dev: Team;
  /** Two teams for the tenancy figure; `shared` is a namespace both may use. */
  alpha: Team;
  beta: Team;
  /** The races figure's team: namespace `races` and one namespace per raced name (a TeamNamespace renders its own). */
  racer: Team;
  repo: BareRepo;
  /** Resolves once the service has no queued work. */
  idle(): Promise<void>;
  /** Requests the service holds (any team). */
  requestCount(): number;
  log(line: string): void;
  /** Every random choice derives from it. */
  seed: number;
}

/** Runs `work` over `items` with at most `width` at a time; answers the results in item order. */
export async function pool<T, R>(items: readonly T[], width: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  return out;
}
