/**
 * The `plinth` provider as an ordinary Pulumi plugin (`service/provider/bin/pulumi-resource-plinth`,
 * which Pulumi.yaml's `plugins.providers` names), for `pulumi up` from the command line (DESIGN.md §3.7).
 * State Store connections come from the provider configuration — the stack's `plinth:stateStores`, with
 * credentials as Pulumi secrets (plugin-config.ts). Fallback when a stack configures no stores (e.g. a
 * program that only uses Placements): `PLINTH_STORES`, a JSON list of
 * `{ name, url, branch?, path?, username?, password?, token? }` or `@file`. Credentials never come from
 * the command line.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as providerSdk from "@pulumi/pulumi/provider";
import { StoreRegistry } from "../core/stores";
import { platformHandlers } from "./handlers";
import { initBareRepo } from "../../components/state-store/bare-repo";
import { PlinthProvider } from "./provider";
import { connectionsOf, dataDirOf, stateStoresFromVariables } from "./plugin-config";

export function storesFromEnv(env: NodeJS.ProcessEnv, stores = new StoreRegistry(cacheDir(env))): StoreRegistry {
  const raw = env.PLINTH_STORES ?? "[]";
  const text = raw.startsWith("@") ? fs.readFileSync(raw.slice(1), "utf8") : raw;
  const list = JSON.parse(text) as { name: string; url: string; branch?: string; path?: string; username?: string; password?: string; token?: string }[];
  for (const s of list) {
    const auth = s.token ? { token: s.token } : s.username || s.password ? { username: s.username ?? "", password: s.password ?? "" } : undefined;
    stores.set({ name: s.name, url: s.url, branch: s.branch ?? "main", path: s.path ?? "", auth });
  }
  return stores;
}

function cacheDir(env: NodeJS.ProcessEnv): string {
  return env.PLINTH_CACHE_DIR ?? path.join(os.homedir(), ".cache", "plinth", "stores");
}

/** Points `stores` at the stores of the provider configuration (embedded repositories created when missing). */
export async function configureStores(stores: StoreRegistry, vars: Record<string, string>, env: NodeJS.ProcessEnv): Promise<void> {
  const entries = stateStoresFromVariables(vars);
  if (!entries) return;
  const dataDir = dataDirOf(env);
  for (const conn of connectionsOf(entries, { dataDir })) {
    if (conn.localRepo && !fs.existsSync(conn.localRepo)) {
      await initBareRepo({ projectRoot: path.dirname(conn.localRepo), name: conn.name, branch: conn.branch });
    }
    stores.set(conn);
  }
}

/**
 * `@pulumi/pulumi/provider` answers Configure without showing the provider its config; this wraps the
 * service implementation it registers so `onConfigure` sees the variables first.
 */
export function interceptConfigure(onConfigure: (vars: Record<string, string>) => Promise<void>): void {
  const original = grpc.Server.prototype.addService;
  grpc.Server.prototype.addService = function (this: grpc.Server, service: grpc.ServiceDefinition, impl: grpc.UntypedServiceImplementation) {
    const configure = impl.configure as grpc.handleUnaryCall<{ getVariablesMap(): Map<string, string> }, unknown> | undefined;
    if (!configure || !("create" in impl)) return original.call(this, service, impl);
    const wrapped = Object.create(impl) as grpc.UntypedServiceImplementation;
    wrapped.configure = (call: grpc.ServerUnaryCall<{ getVariablesMap(): Map<string, string> }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      const vars: Record<string, string> = {};
      call.request.getVariablesMap().forEach((v, k) => {
        vars[k] = v;
      });
      onConfigure(vars).then(
        () => configure.call(impl, call, cb),
        (err: Error) => cb({ code: grpc.status.INVALID_ARGUMENT, details: err.message }),
      );
    };
    return original.call(this, service, wrapped);
  } as typeof original;
}

if (require.main === module) {
  const passphraseFile = process.env.PULUMI_CONFIG_PASSPHRASE_FILE;
  const passphrase = process.env.PULUMI_CONFIG_PASSPHRASE ?? (passphraseFile ? fs.readFileSync(passphraseFile, "utf8").trim() : undefined);
  // Action steps seal their inputs with the stack's passphrase, as in `npm start`.
  const sealKey = process.env.PLINTH_ACTIONS_KEY ?? passphrase ?? "";
  const stores = storesFromEnv(process.env);
  interceptConfigure((vars) => configureStores(stores, vars, process.env));
  const provider = new PlinthProvider(platformHandlers(stores, { sealKey }));
  void providerSdk.main(provider, process.argv.slice(2));
}
