/** The Marketplace: every Promise Plinth ships, by name (from the one registry, marketplace.ts). */
import type { AnyPromise } from "../components/promise/types";
import { catalogue } from "./marketplace";

export const marketplace: Readonly<Record<string, AnyPromise>> = Object.fromEntries(catalogue.map((e) => [e.name, e.promise]));

export function marketplacePromise(name: string): AnyPromise | undefined {
  return marketplace[name];
}
