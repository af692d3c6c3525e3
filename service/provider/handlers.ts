/** Provider handlers for the platform's own resources: State Store checks and destination roots. */
import { redactUrl } from "../../components/state-store/errors";
import type { FluxIndexOptions } from "../../components/state-store/flux-index";
import { PLACEMENT_TYPE } from "../../components/state-store/placement";
import { DESTINATION_ROOT_TYPE, STATE_STORE_TYPE } from "../../components/state-store/store-resources";
import { ACTION_TYPE } from "../../components/workflow/actions/resource";
import { actionResourceHandler } from "./action";
import { placementHandler } from "./placement";
import { ageKeyHandler } from "./age-key";
import { AGE_KEY_TYPE } from "../../components/state-store/sops/age-key";
import { SOPS_REKEY_TYPE } from "../../components/state-store/sops/rekey";
import { sopsRekeyHandler } from "./sops-rekey";
import type { ResourceHandler } from "./types";
import type { StoreRegistry } from "../core/stores";

export function stateStoreHandler(stores: StoreRegistry): ResourceHandler {
  const probe = async (inputs: Record<string, unknown>) => {
    const name = String(inputs.store);
    const conn = stores.connection(name);
    const head = await stores.writer(name).probe();
    return { store: name, url: redactUrl(conn?.url ?? ""), branch: conn?.branch ?? "", path: conn?.path ?? "", head: head ?? "" };
  };
  return {
    check(news) {
      return typeof news.store === "string" && news.store ? [] : [{ path: "store", reason: "store must name a configured State Store" }];
    },
    diff(olds, news) {
      return { changes: olds.store !== news.store, replaces: olds.store !== news.store ? ["store"] : [] };
    },
    async create(inputs) {
      const outs = await probe(inputs);
      return { id: outs.store, outs };
    },
    async update(_id, _olds, news) {
      return { outs: await probe(news) };
    },
    async delete() {
      /* a State Store's repository is never deleted by Plinth */
    },
  };
}

function fluxOf(inputs: Record<string, unknown>): FluxIndexOptions | undefined {
  const f = inputs.flux as Record<string, unknown> | undefined | null;
  if (!f || typeof f.namespace !== "string" || typeof f.destination !== "string") return undefined;
  const out: FluxIndexOptions = { namespace: f.namespace, destination: f.destination };
  for (const k of ["url", "secretName", "interval", "retryInterval", "timeout", "sopsSecret"] as const) if (typeof f[k] === "string") out[k] = f[k] as string;
  return out;
}

export function destinationRootHandler(stores: StoreRegistry): ResourceHandler {
  return {
    check(news) {
      const failures: { path: string; reason: string }[] = [];
      if (typeof news.store !== "string" || !news.store) failures.push({ path: "store", reason: "store must name a configured State Store" });
      if (typeof news.path !== "string" || !news.path) failures.push({ path: "path", reason: "path must be the destination's directory" });
      const flux = news.flux as Record<string, unknown> | undefined;
      if (flux !== undefined && (typeof flux !== "object" || typeof flux.namespace !== "string" || typeof flux.destination !== "string")) {
        failures.push({ path: "flux", reason: "flux must be { namespace, destination } (strings)" });
      }
      return failures;
    },
    diff(olds, news) {
      const replaces = ["store", "path"].filter((k) => olds[k] !== news[k]);
      const fluxChanged = JSON.stringify(olds.flux ?? null) !== JSON.stringify(news.flux ?? null);
      return { changes: replaces.length > 0 || fluxChanged, replaces, deleteBeforeReplace: false };
    },
    async create(inputs) {
      const res = await stores.writer(String(inputs.store)).ensureDestinationRoot({ dir: String(inputs.path), flux: fluxOf(inputs) });
      return { id: `${inputs.store}:${inputs.path}`, outs: { store: inputs.store, path: inputs.path, flux: inputs.flux ?? null, commit: res.commit } };
    },
    async update(_id, _olds, news) {
      const res = await stores.writer(String(news.store)).ensureDestinationRoot({ dir: String(news.path), flux: fluxOf(news) });
      return { outs: { store: news.store, path: news.path, flux: news.flux ?? null, commit: res.commit } };
    },
    async delete(_id, props) {
      await stores.writer(String(props.store)).removeDirectory({ dir: String(props.path) });
    },
  };
}

/** Every handler the platform's provider serves, keyed by type token. */
export function platformHandlers(stores: StoreRegistry, opts: { sealKey: string }): Record<string, ResourceHandler> {
  return {
    [ACTION_TYPE]: actionResourceHandler({ sealKey: opts.sealKey }),
    [PLACEMENT_TYPE]: placementHandler((name) => stores.writer(name)),
    [STATE_STORE_TYPE]: stateStoreHandler(stores),
    [DESTINATION_ROOT_TYPE]: destinationRootHandler(stores),
    [AGE_KEY_TYPE]: ageKeyHandler(),
    [SOPS_REKEY_TYPE]: sopsRekeyHandler((name) => stores.writer(name)),
  };
}
