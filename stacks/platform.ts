/**
 * The platform program (DESIGN.md §3 step 1): State Stores, Destinations, and a PromiseInstallation per
 * configured Promise, and with `plinth:service` the request service on the platform cluster (stacks/service.ts).
 * Config is validated before any resource is created. Outputs: `stateStore`,
 * `stateStores`, `destinations`, `promises`, `endpoint`.
 */
import * as pulumi from "@pulumi/pulumi";
import { PromiseInstallation } from "../components/promise/installation";
import { GitStateStore } from "../components/state-store/git-state-store";
import { LocalDestination } from "../destinations/local";
import { PlatformDestination } from "../destinations/platform";
import { LocalClusterDestination } from "../destinations/local-cluster/local-cluster-destination";
import type { AnyPromise } from "../components/promise/types";
import { marketplace } from "../promises";
import { loadCrdDir, type CrdObject } from "../components/flux/crd-validate";
import { buildTopology, type ClusterDestination } from "../destinations/topology";
import { clusterFluxIndex } from "../destinations/cluster-flux";
import { dataDirOf, embeddedUrl, platformUrl } from "../service/provider/plugin-config";
import { checkStoredRequests } from "./stored-requests";
import { deployService } from "./service";
import { CONFIG_KEYS, clusterTopology, destinationSpecs, parsePlatformConfig, type PlatformConfig } from "./config";

export interface PlatformProgramOptions {
  /** Public clone URL of each State Store by name (the embedded store's depends on the server's port). */
  storeUrls?: Record<string, string>;
  /** Base URL of the platform's HTTP API, exported as `endpoint`. */
  endpoint?: string;
  /** Promises that may be installed, by name (default: the Marketplace). */
  catalogue?: Readonly<Record<string, AnyPromise>>;
  /** Parsed Flux CRDs (tests); otherwise read from `fluxCrdDir`. */
  fluxCrds?: CrdObject[];
  /**
   * The directory of Flux's generated CRDs, built by the toolchain step (`npm run toolchain`); throws naming
   * the command when they are not built. Passed in by the entry point (tools/cluster `locateFluxCrds`), so
   * programs import no build tooling.
   */
  fluxCrdDir?: () => string;
  /** The running local cluster of each `kind: local-cluster` destination, by destination name. */
  localClusters?: Record<string, { kubeconfig: string }>;
  /**
   * Check the data dir's stored requests before any change (a command-line `up`, stacks/index.ts): a
   * removed Promise with requests, or a schema that rejects them, fails the update. `npm start` checks first.
   */
  checkStoredRequests?: boolean;
  /** Credentials Flux uses to clone each State Store, by store name (a secret in the stack state). */
  storeAuth?: Record<string, { username: string; password: string }>;
}

/** Reads the `plinth:*` config keys as raw values (objects or JSON strings); unknown keys too, so they fail validation. */
export function readRawConfig(cfg: pulumi.Config): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  const present = Object.keys(pulumi.runtime.allConfig())
    .filter((k) => k.startsWith("plinth:"))
    .map((k) => k.slice("plinth:".length));
  for (const key of CONFIG_KEYS) {
    const v = cfg.getObject<unknown>(key);
    if (v !== undefined) raw[key] = v;
  }
  for (const key of present) if (!(key in raw)) raw[key] = cfg.get(key);
  return raw;
}

/** The Promise with the platform team's extra destination selectors added to its own. */
export function withSelectors(promise: AnyPromise, extra: { matchLabels: Record<string, string> }[]): AnyPromise {
  if (extra.length === 0) return promise;
  return { ...promise, destinationSelectors: [...(promise.destinationSelectors ?? []), ...extra] };
}

export function validatePlatformConfig(raw: Record<string, unknown>, catalogue: Readonly<Record<string, AnyPromise>> = marketplace): PlatformConfig {
  return parsePlatformConfig(raw, { promises: Object.keys(catalogue) });
}

export function platformProgram(options: PlatformProgramOptions = {}): () => Promise<Record<string, unknown>> {
  return async () => {
    let cfg: PlatformConfig;
    const raw = readRawConfig(new pulumi.Config("plinth"));
    try {
      cfg = validatePlatformConfig(raw, options.catalogue);
    } catch (err) {
      // A RunError fails the update with just this message, before any resource is registered.
      throw new pulumi.RunError((err as Error).message);
    }
    // Run by the pulumi CLI (no options): embedded stores and the endpoint are the local platform's.
    const dataDir = dataDirOf(process.env);
    const catalogue = options.catalogue ?? marketplace;
    if (options.checkStoredRequests) {
      try {
        checkStoredRequests(dataDir, new Map(cfg.promises.map((p) => [p.name, withSelectors(catalogue[p.name], p.destinationSelectors)])));
      } catch (err) {
        throw new pulumi.RunError((err as Error).message);
      }
    }
    const stores = new Map<string, GitStateStore>();
    for (const s of cfg.stateStores) {
      const url = options.storeUrls?.[s.name] ?? s.url ?? (s.embedded ? embeddedUrl(dataDir, s.name) : "");
      stores.set(s.name, new GitStateStore(s.name, { store: s.name, url, branch: s.branch, path: s.path }));
    }
    const specs = destinationSpecs(cfg);
    const topology = clusterTopology(cfg);
    const localClusterNames = new Set(cfg.destinations.filter((d) => d.kind === "local-cluster").map((d) => d.name));
    const missing = [...localClusterNames].filter((n) => !options.localClusters?.[n]);
    if (missing.length) {
      throw new pulumi.RunError(
        `${missing.map((n) => `plinth:destinations[${cfg.destinations.findIndex((d) => d.name === n)}].kind`).join(", ")}: "local-cluster" needs a running local cluster (${missing.join(", ")}); start the platform with \`npm start -- --cluster\``,
      );
    }
    // Flux's CRDs, for every cluster Flux is bootstrapped on: built by the toolchain step, only read here.
    let crds: CrdObject[] = [];
    if (topology || localClusterNames.size) {
      try {
        if (options.fluxCrds) crds = options.fluxCrds;
        else if (options.fluxCrdDir) crds = loadCrdDir(options.fluxCrdDir());
        else throw new Error("Flux's CRDs were not passed to the platform program (fluxCrds or fluxCrdDir)");
      } catch (err) {
        throw new pulumi.RunError((err as Error).message);
      }
    }
    const rotationOf = (name: string) => cfg.destinations.find((d) => d.name === name)?.sopsKeyRotation;
    const destinations = specs.map((spec) => {
      const opts = { dependsOn: [stores.get(spec.stateStore)!] };
      if (localClusterNames.has(spec.name)) {
        const store = cfg.stateStores.find((s) => s.name === spec.stateStore)!;
        const auth = options.storeAuth?.[store.name] ?? { username: store.username ?? "", password: store.password ?? store.token ?? "" };
        const f = cfg.destinations.find((d) => d.name === spec.name)?.flux;
        return new LocalClusterDestination(
          spec.name,
          {
            spec,
            kubeconfig: options.localClusters![spec.name].kubeconfig,
            stateStore: { url: options.storeUrls?.[store.name] ?? store.url ?? "", branch: store.branch, path: store.path, username: auth.username, password: auth.password },
            crds,
            interval: f?.interval,
            retryInterval: f?.retryInterval,
            timeout: f?.timeout,
            isolated: f?.isolated ?? true,
            requestFlux: { interval: f?.requestInterval, retryInterval: f?.requestRetryInterval, timeout: f?.requestTimeout },
            teams: cfg.teams.map((t) => ({ name: t.name, namespaces: t.namespaces })),
            sopsKeyRotation: rotationOf(spec.name),
          },
          opts,
        );
      }
      const Kind = spec.labels.environment === "platform" ? PlatformDestination : LocalDestination;
      const sopsKey = spec.secrets?.sopsKey !== false && !spec.secrets?.allowPlaintextSecrets;
      // A provisioned cluster's registration keeps the per-request index its Flux applies (cluster-flux.ts).
      const cluster = topology?.destinations.find((d) => d.name === spec.name);
      const flux = cluster && clusterFluxIndex({ destination: spec.name, flux: cluster.flux, url: topology!.stateStore.url, sops: sopsKey });
      return new Kind(spec.name, { spec, sopsKey, sopsKeyRotation: rotationOf(spec.name), ...(flux ? { flux } : {}) }, opts);
    });
    let kubeconfigs: Record<string, pulumi.Output<string>> = {};
    let clusters: ClusterDestination[] = [];
    if (topology) {
      // Clusters with Flux bootstrapped, watching their paths of the State Store (DESIGN.md §5); each
      // decrypts SOPS with the age key its registration above created.
      const sopsIdentities = Object.fromEntries(destinations.flatMap((d, i) => (d.sopsIdentity ? [[specs[i].name, d.sopsIdentity]] : [])));
      // Each applies its registration's per-request index, each team's requests as the team's account.
      const registrations = Object.fromEntries(destinations.map((d, i) => [specs[i].name, d]));
      const teams = cfg.teams.map((t) => ({ name: t.name, namespaces: t.namespaces }));
      ({ kubeconfigs, clusters } = buildTopology(cfg.clusters, { fluxCrds: crds, sopsIdentities, teams, registrations }));
    }
    // Plinth itself on the platform cluster, in shared mode (`plinth:service`); its URL is the endpoint.
    const deployed = cfg.service ? deployService(cfg, clusters) : undefined;
    const installed = cfg.promises.map((p) => ({ name: p.name, version: catalogue[p.name].version }));
    const installations = cfg.promises.map(
      (p) =>
        new PromiseInstallation(
          p.name,
          { promise: withSelectors(catalogue[p.name], p.destinationSelectors), config: p.config, destinations: specs, store: cfg.stateStores[0].name, installed },
          { dependsOn: [...stores.values(), ...destinations] },
        ),
    );
    const storeOutputs = [...stores.values()].map((s) => ({ name: s.name, url: s.url, branch: s.branch, path: s.path, head: s.head }));
    return {
      stateStore: storeOutputs[0],
      stateStores: storeOutputs,
      destinations: destinations.map((d) => d.destination),
      promises: installations.map((i) => i.registry),
      /** Directories the installations own (what `GET /v1/statestores/{name}/unowned` subtracts). */
      placements: pulumi.all(installations.map((i) => i.placements)).apply((ps) => ps.flat().map((p) => ({ dir: p.dir, files: p.files }))),
      endpoint: deployed?.url ?? options.endpoint ?? platformUrl(dataDir) ?? "",
      /** The `plinth:*` config this update ran with (secret: it may hold credentials); a running service reloads from it. */
      config: pulumi.secret(raw),
      /** Each destination's age private key (what `plinth secret` decrypts with), a Pulumi secret. */
      sopsKeys: pulumi.secret(
        pulumi.all(destinations.map((d) => pulumi.all([d.destination, d.sopsIdentity]))).apply((l) => Object.fromEntries(l.filter(([, id]) => id).map(([d, id]) => [d.name, id as string]))),
      ),
      ...(topology ? { kubeconfigs } : {}),
    };
  };
}
