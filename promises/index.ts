/** The Marketplace: every Promise Plinth ships, by name. */
import type { AnyPromise } from "../components/promise/types";
import { jenkinsPromise } from "./jenkins";
import { namespacePromise } from "./namespace";
import { nginxIngressPromise } from "./nginx-ingress";
import { postgresqlPromise } from "./postgresql";
import { redisPromise } from "./redis";
import { webAppPromise } from "./web-app";

export const marketplace: Readonly<Record<string, AnyPromise>> = Object.fromEntries(
  [namespacePromise, jenkinsPromise, postgresqlPromise, redisPromise, nginxIngressPromise, webAppPromise].map((p) => [p.name, p as AnyPromise]),
);

export function marketplacePromise(name: string): AnyPromise | undefined {
  return marketplace[name];
}
