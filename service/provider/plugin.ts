/**
 * The `plinth` provider as an ordinary Pulumi plugin (`pulumi-resource-plinth`, a shim next to the pinned
 * CLI), for `pulumi up` from the command line (DESIGN.md §3.7). Store connections come from
 * `PLINTH_STORES` (JSON list of `{ name, url, branch?, path?, username?, password?, token? }`, or `@file`);
 * credentials never come from the command line.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as providerSdk from "@pulumi/pulumi/provider";
import { StoreRegistry } from "../platform/stores";
import { platformHandlers } from "../platform/handlers";
import { PlinthProvider } from "./provider";

export function storesFromEnv(env: NodeJS.ProcessEnv): StoreRegistry {
  const raw = env.PLINTH_STORES ?? "[]";
  const text = raw.startsWith("@") ? fs.readFileSync(raw.slice(1), "utf8") : raw;
  const list = JSON.parse(text) as { name: string; url: string; branch?: string; path?: string; username?: string; password?: string; token?: string }[];
  const stores = new StoreRegistry(path.join(env.PLINTH_CACHE_DIR ?? path.join(os.homedir(), ".cache", "plinth", "stores")));
  for (const s of list) {
    const auth = s.token ? { token: s.token } : s.username || s.password ? { username: s.username ?? "", password: s.password ?? "" } : undefined;
    stores.set({ name: s.name, url: s.url, branch: s.branch ?? "main", path: s.path ?? "", auth });
  }
  return stores;
}

if (require.main === module) {
  const sealKey = process.env.PLINTH_ACTIONS_KEY ?? process.env.PULUMI_CONFIG_PASSPHRASE ?? "";
  const provider = new PlinthProvider(platformHandlers(storesFromEnv(process.env), { sealKey }));
  void providerSdk.main(provider, process.argv.slice(2));
}
