/**
 * The one registry of Promises Plinth ships: what each offers, for listings (CLI, portal, docs), and the
 * Promises the platform may install (promises/index.ts `marketplace` is derived from it).
 * `plinth init promise` adds its Promise here (an import and an entry before the closing bracket).
 */
import type { AnyPromise } from "../components/promise/types";
import { jenkinsPromise } from "./jenkins";
import { namespacePromise } from "./namespace";
import { nginxIngressPromise } from "./nginx-ingress";
import { postgresqlPromise } from "./postgresql";
import { redisPromise } from "./redis";
import { webAppPromise } from "./web-app";

export type CatalogueCategory = "tenancy" | "ci-cd" | "database" | "cache" | "networking" | "golden-path" | "other";

export interface CatalogueEntry {
  name: string;
  version: string;
  description: string;
  category: CatalogueCategory;
  promise: AnyPromise;
}

function entry(promise: AnyPromise, category: CatalogueCategory): CatalogueEntry {
  return { name: promise.name, version: promise.version, description: promise.description ?? "", category, promise };
}

/** Every marketplace Promise, lower-level ones before the compound ones that require them. */
export const catalogue: readonly CatalogueEntry[] = [
  entry(namespacePromise, "tenancy"),
  entry(jenkinsPromise, "ci-cd"),
  entry(postgresqlPromise, "database"),
  entry(redisPromise, "cache"),
  entry(nginxIngressPromise, "networking"),
  entry(webAppPromise, "golden-path"),
];

/** The catalogue entry of `name`, if the marketplace has it. */
export function catalogueEntry(name: string): CatalogueEntry | undefined {
  return catalogue.find((e) => e.name === name);
}
