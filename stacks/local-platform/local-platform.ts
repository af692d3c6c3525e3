/**
 * The platform as one process: an HTTP server on loopback serving the Git State Store (smart HTTP) and
 * later the API, the `plinth` provider served in-process, and the platform stack run through the lean
 * engine. The README's start command and the tests both use it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { EngineWorkspace, type EngineEvent, type OperationResult } from "../../service/engine";
import { startHttpServer, type Handler, type RunningServer } from "../../service/http-server";
import { PlinthProvider, serveInProcess, stopInProcess } from "../../service/provider";
import { platformProgram, validatePlatformConfig, withSelectors } from "../platform";
import { clusterTopology, destinationSpecs, type PlatformConfig } from "../config";
import { locateFluxCrds } from "../../tools/cluster/flux-crds";
import { platformHandlers } from "../../service/provider/handlers";
import { marketplace } from "../../promises";
import { catalogue as marketplaceCatalogue } from "../../promises/marketplace";
import { PlinthService, TeamDirectory, sha256Hex } from "../../service/core";
import { RequestStore } from "../../service/core/store";
import type { AnyPromise } from "../../components/promise/types";
import { planPreflight } from "../../service/core/preflight";
import { runPromiseDeleteWorkflows, waitForCascade } from "./promise-delete";
import { planDestinationRemoval } from "./removed-destinations";
import { resolvedDestination } from "../../components/vocabulary/destination";
import { createTransitHandler } from "./transit";
import { createApiHandler, Metrics } from "../../service/http";
import { MemorySessionStore } from "../../service/http/sessions";
import { createUiHandler } from "../../service/ui/serve";
import { StoreRegistry } from "../../service/core/stores";
import { StackFollower, historyDir } from "./stack-follower";
import { servingCert } from "../../service/http/tls-cert";
import { clusterSources } from "./cluster-sources";
import { configuredPromise, installedPromises } from "./installed";
import { cachedSopsKeys, embeddedGitHandler, previousConfig, registerStores, requestsWorkspace, secretFile, writePlatformConfig } from "./settings";
import type { LocalClusterHandle, LocalPlatformOptions, PlatformOutputs, ServeOptions } from "./types";
import { SharedRuntime, sharedRequestsWorkspace, sharedSealKey } from "./shared-mode";

export type { LocalClusterHandle, LocalPlatformOptions, PlatformOutputs, ServeOptions };

export class LocalPlatform {
  readonly stores: StoreRegistry;
  readonly workspace: EngineWorkspace;
  readonly stack: string;
  /** Basic-auth credentials of the embedded Git server (read and write: the platform's own writer). */
  readonly gitUser = "plinth";
  readonly gitPassword: string;
  /** Flux's credentials for the embedded Git server: read-only (a push with them is answered 403). */
  readonly fluxUser = "flux";
  readonly fluxPassword: string;
  config: PlatformConfig | undefined;
  outputs: PlatformOutputs | undefined;
  service: PlinthService | undefined;
  readonly metrics = new Metrics();
  /** Web portal sessions and sign-in links (in memory: signing in again after a restart). */
  readonly sessions = new MemorySessionStore();
  /** The dev team's bearer token (embedded default). */
  readonly devToken: string;
  private readonly transitToken: string;
  private readonly transitKey: Buffer;
  /** Running local clusters of `kind: local-cluster` destinations, by destination name. */
  private readonly clusters = new Map<string, LocalClusterHandle>();
  private upInFlight = false;
  private follower: StackFollower | undefined;
  private serveOptions: ServeOptions = {};
  private sharedRequests: EngineWorkspace | undefined;

  /** The `plinth` provider this platform's engine runs attach to (served in this process). */
  readonly provider: PlinthProvider;
  /** Port of the in-process provider server (set by `start`). */
  private providerPort = 0;
  /** The API handler on `server` (replaced when the service restarts). */
  private apiHandler: Handler | undefined;
  /** Shared mode (options.shared): the database pool of `/readyz`, the platform `up` lock. */
  readonly shared: SharedRuntime | undefined;

  private constructor(
    readonly options: LocalPlatformOptions,
    readonly server: RunningServer,
    gitPassword: string,
    fluxPassword: string,
  ) {
    this.gitPassword = gitPassword;
    this.fluxPassword = fluxPassword;
    this.devToken = secretFile(path.join(options.dataDir, "token"), 32);
    this.transitToken = secretFile(path.join(options.dataDir, "transit-token"), 24);
    const transitKey = (this.transitKey = Buffer.from(secretFile(path.join(options.dataDir, "transit-key"), 32), "base64url"));
    server.handlers.unshift(createTransitHandler({ key: transitKey, token: this.transitToken, prefix: "/vault" }) as Handler);
    server.handlers.push(createUiHandler() as Handler);
    this.stack = options.stack ?? "local";
    this.stores = new StoreRegistry(path.join(options.dataDir, "cache"));
    const shared = options.shared;
    this.shared = shared && new SharedRuntime(shared);
    this.workspace = new EngineWorkspace({
      pulumi: options.toolchain.pulumi,
      // Shared mode: Pulumi state in Postgres (the CLI's DIY backend), one secrets provider for all replicas.
      backendUrl: shared?.backendUrl ?? `file://${path.join(options.dataDir, "state")}`,
      workDir: path.join(options.dataDir, "platform"),
      project: "plinth",
      passphrase: shared ? (shared.passphrase ?? "") : secretFile(path.join(options.dataDir, "passphrase")),
      ...(shared ? { secretsProvider: shared.secretsProvider } : {}),
      debugProviders: () => ({ plinth: this.providerPort }),
      env: { PULUMI_HOME: path.join(options.dataDir, "pulumi-home") },
    });
    // Action steps keep their (encrypted) inputs for delete; the key must stay stable: the passphrase.
    const handlers = platformHandlers(this.stores, { sealKey: shared ? sharedSealKey(shared) : this.workspace.options.passphrase });
    this.provider = new PlinthProvider(handlers);
  }

  /** Starts the HTTP server (Git at /git/) and the in-process provider. Runs no `up` yet. */
  static async start(options: LocalPlatformOptions): Promise<LocalPlatform> {
    fs.mkdirSync(options.dataDir, { recursive: true });
    const gitPassword = secretFile(path.join(options.dataDir, "git-password"));
    const fluxPassword = secretFile(path.join(options.dataDir, "git-flux-password"));
    const projectRoot = path.join(options.dataDir, "git");
    fs.mkdirSync(projectRoot, { recursive: true });
    const git = embeddedGitHandler(projectRoot, gitPassword, fluxPassword);
    const tls = servingCert(options.dataDir);
    const server = await startHttpServer({ host: options.host, port: options.port, handlers: [git as Handler], tls });
    const platform = new LocalPlatform(options, server, gitPassword, fluxPassword);
    try {
      platform.providerPort = await serveInProcess(platform.provider);
    } catch (err) {
      await server.close();
      throw err;
    }
    return platform;
  }

  get catalogue(): Readonly<Record<string, AnyPromise>> {
    return this.options.catalogue ?? marketplace;
  }

  get url(): string {
    return this.server.url;
  }

  /** What Flux clones the embedded stores with (its auth Secret): the read-only user. */
  fluxCredentials(): { username: string; password: string } {
    return { username: this.fluxUser, password: this.fluxPassword };
  }

  /** The same server over TLS (what kubeconfigs point at: kubectl sends tokens only over TLS). */
  get httpsUrl(): string {
    return this.server.httpsUrl ?? this.server.url;
  }

  /** PEM of the platform's self-signed serving certificate (a kubeconfig's `certificate-authority-data`). */
  get caPem(): string {
    return (this.caPemCache ??= servingCert(this.options.dataDir).cert);
  }

  private caPemCache: string | undefined;

  /** Clone URL of an embedded store (without credentials). */
  gitUrl(store: string): string {
    return `${this.server.url}/git/${store}.git`;
  }

  /**
   * Makes a running local cluster the `kind: local-cluster` destination `destination`: the next `up`
   * bootstraps Flux on it through the Kubernetes provider plugin in `pluginDir`, and the service reads
   * its Flux status into each request's `Applied` condition.
   */
  attachCluster(destination: string, cluster: LocalClusterHandle): void {
    this.clusters.set(destination, cluster);
    this.addPluginDir(cluster.pluginDir);
  }

  /** A directory of provider plugins the platform stack's engine runs may load (searched before PATH). */
  addPluginDir(dir: string): void {
    const dirs = (this.workspace.options.pluginDirs ??= []);
    if (!dirs.includes(dir)) dirs.push(dir);
  }

  /** Validates `raw` (the `plinth:*` config values) and points the provider's stores at their remotes. */
  async configure(raw: Record<string, unknown>): Promise<PlatformConfig> {
    return this.applyConfig(validatePlatformConfig(raw, this.catalogue));
  }

  /** Points the provider's stores at the remotes of an already validated config. */
  private async applyConfig(cfg: PlatformConfig): Promise<PlatformConfig> {
    await registerStores(this.stores, cfg.stateStores, { projectRoot: path.join(this.options.dataDir, "git"), gitUrl: (n) => this.gitUrl(n), auth: { username: this.gitUser, password: this.gitPassword } });
    this.config = cfg;
    return cfg;
  }

  /** Runs `up` on the platform stack with `raw` config (validated first: bad config changes nothing). */
  async up(raw: Record<string, unknown>, opts: { onEvent?: (e: EngineEvent) => void; signal?: AbortSignal } = {}): Promise<PlatformOutputs> {
    this.upInFlight = true;
    try {
      // Shared mode: replicas starting together take turns on the platform stack.
      return await (this.shared ? this.shared.whileHoldingUpLock(() => this.runUp(raw, opts)) : this.runUp(raw, opts));
    } finally {
      this.upInFlight = false;
      this.follower?.markSeen();
    }
  }

  private async runUp(raw: Record<string, unknown>, opts: { onEvent?: (e: EngineEvent) => void; signal?: AbortSignal }): Promise<PlatformOutputs> {
    // Validated once here for preflight and the stores; the program parses the stack's own config (which
    // holds no credentials: they stay in this process) at its boundary.
    const cfg = validatePlatformConfig(raw, this.catalogue);
    await this.preflight(cfg);
    await this.applyConfig(cfg);
    if (!this.workspace.readSettings(this.stack)) await this.workspace.createStack(this.stack);
    // A platform process killed during `up` leaves its lock; a lock of a live process is kept.
    await this.workspace.recoverLocks(this.stack);
    await writePlatformConfig(this.workspace, this.stack, raw);
    const storeUrls = Object.fromEntries(cfg.stateStores.map((s) => [s.name, s.embedded ? this.gitUrl(s.name) : s.url!]));
    const res: OperationResult = await this.workspace
      .stack(this.stack)
      .up({
        program: platformProgram({
          storeUrls,
          endpoint: this.url,
          catalogue: this.catalogue,
          localClusters: Object.fromEntries([...this.clusters].map(([n, c]) => [n, { kubeconfig: c.kubeconfig }])),
          storeAuth: Object.fromEntries(cfg.stateStores.filter((s) => s.embedded).map((s) => [s.name, this.fluxCredentials()])),
          fluxCrdDir: () => locateFluxCrds(path.resolve(__dirname, "..", "..")),
        }),
        onEvent: opts.onEvent,
        signal: opts.signal,
        message: "plinth platform up",
      });
    this.outputs = res.outputs as unknown as PlatformOutputs;
    return this.outputs;
  }

  /**
   * Starts (or restarts) the request service on the platform's outputs and serves the API on the same
   * HTTP server. Teams without a token in config get the dev token (embedded default).
   */
  async serve(opts: ServeOptions = {}): Promise<PlinthService> {
    if (!this.config || !this.outputs) throw new Error("run up() before serve()");
    this.serveOptions = opts;
    const cfg = this.config;
    const outputs = this.outputs;
    await this.service?.close();
    const promises = installedPromises(cfg, outputs, this.catalogue);
    const teams = new TeamDirectory(
      cfg.teams.map((t) => ({ name: t.name, namespaces: t.namespaces, token: t.token, tokenSha256: t.tokenSha256 ?? (t.token ? undefined : sha256Hex(this.devToken)) })),
    );
    const workspace = this.requestsWorkspace();
    // Shared mode: records, queue and events in Postgres; dead replicas' stack locks removed first.
    const shared = opts.shared ?? (this.shared && (await this.shared.parts(opts.log)).service);
    if (this.shared) await workspace.recoverAllLocks();
    this.service = await PlinthService.open({
      shared,
      workspace,
      promises,
      destinations: outputs.destinations,
      stateStores: outputs.stateStores.map(({ name, url, branch, path: p }) => ({ name, url, branch, path: p })),
      stores: this.stores,
      platformPlacements: outputs.placements ?? [],
      teams,
      concurrency: process.env.PLINTH_CONCURRENCY ? Number(process.env.PLINTH_CONCURRENCY) : undefined,
      onReconcile: (secs, ok) => this.metrics.observeReconcile(secs, ok),
      onDrift: (n) => this.metrics.incDriftRepairs(n),
      maxInFlightPerTeam: cfg.limits.maxInFlightPerTeam,
      catalogue: marketplaceCatalogue,
      clusters: clusterSources({ destinations: cfg.destinations, clusters: clusterTopology(cfg)?.destinations, localClusters: this.clusters, outputs, log: opts.log }),
      sopsKeys: cachedSopsKeys(this.workspace, this.stack, () => this.outputs),
      ...opts,
    });
    const handlers = this.server.handlers;
    const readiness = this.shared?.readiness(() => cfg.stateStores.filter((s) => s.url).map((s) => ({ ...s, url: s.url! })));
    const api: Handler = createApiHandler({ service: this.service, metrics: this.metrics, limits: cfg.limits, sessions: this.sessions, readiness, log: opts.log ? (line, entry) => opts.log!(line, { ...entry }) : undefined });
    const existing = this.apiHandler ? handlers.indexOf(this.apiHandler) : -1;
    if (existing >= 0) handlers[existing] = api;
    else handlers.unshift(api);
    this.apiHandler = api;
    return this.service;
  }

  /** A one-time sign-in link to the web portal for the team of `token` (default: the dev token); undefined when no team has it. */
  portalLink(token = this.devToken): string | undefined {
    const caller = this.service?.authenticate(token);
    if (!caller) return undefined;
    return `${this.url}/ui/#/signin?code=${this.sessions.createLink(caller).code}`;
  }

  /**
   * Workspace of the request stacks. New request stacks keep their secrets with `hashivault://plinth`,
   * served by this platform (transit.ts), so no CLI run pays the passphrase key derivation.
   */
  private requestsWorkspace(): EngineWorkspace {
    if (this.shared) return (this.sharedRequests ??= sharedRequestsWorkspace(this.workspace, path.join(this.options.dataDir, "requests")));
    return requestsWorkspace(this.workspace, path.join(this.options.dataDir, "requests"), `${this.server.url}/vault`, this.transitToken, this.transitKey);
  }

  /** Checks the new config against existing requests (see preflight.ts); runs a Cascade's deletes. */
  private async preflight(next: PlatformConfig): Promise<void> {
    const prev = await previousConfig(this.workspace, this.stack);
    const prevCfg = prev ? validatePlatformConfig(prev, this.catalogue) : undefined;
    const store = this.service?.store ?? new RequestStore(this.requestsWorkspace());
    const requests = this.service ? store.all() : store.load();
    const plan = planPreflight({
      requests,
      next: new Map(next.promises.map((p) => [p.name, withSelectors(this.catalogue[p.name], p.destinationSelectors)])),
      previousPolicy: (name) => prevCfg?.promises.find((p) => p.name === name)?.deletionPolicy ?? "Block",
    });
    if (plan.migrated.length) {
      // Read above in this same tick: compare-and-swap on the version read.
      for (const { rec, spec } of plan.migrated) {
        await store.write({ ...rec, object: { ...rec.object, spec, metadata: { ...rec.object.metadata, generation: rec.object.metadata.generation + 1 } } }, rec.object.metadata.resourceVersion);
      }
    }
    if (plan.cascade.length) {
      await this.servePrevious(prev!);
      for (const rec of plan.cascade) await this.service!.forceDelete(rec);
      await waitForCascade(this.service!.store, plan.cascade);
    }
    // Promises leaving the config: their promise delete workflow runs once their requests are gone.
    const removed = (prevCfg?.promises ?? []).filter((p) => !next.promises.some((n) => n.name === p.name) && this.catalogue[p.name]);
    await runPromiseDeleteWorkflows(
      removed.map((p) => configuredPromise(p, this.catalogue)),
      this.options.log ?? (() => undefined),
    );
    if (prevCfg) await this.rescheduleRemoved(prevCfg, next, prev!);
  }

  /** A service on the config the platform was last brought up with (when none runs yet, e.g. at start). */
  private async servePrevious(prev: Record<string, unknown>): Promise<void> {
    if (this.service) return;
    await this.configure(prev);
    const out = await this.workspace.runCli(["stack", "output", "--json", "--show-secrets", "--stack", this.stack]);
    this.outputs = JSON.parse(out.stdout) as PlatformOutputs;
    await this.serve();
  }

  /**
   * Destinations removed by this `up` lose their directory: their requests run again first on the
   * destinations of the new config (the move is their own `up`), or go Stalled with NoDestination.
   */
  private async rescheduleRemoved(prevCfg: PlatformConfig, next: PlatformConfig, prev: Record<string, unknown>): Promise<void> {
    const stores = new Set(prevCfg.stateStores.map((s) => s.name));
    const nextDests = destinationSpecs(next).map(resolvedDestination);
    const requests = this.service ? this.service.store.all() : new RequestStore(this.requestsWorkspace()).load();
    const plan = planDestinationRemoval({ requests, previous: destinationSpecs(prevCfg).map((d) => d.name), next: nextDests.map((d) => d.name) });
    if (plan.affected.length === 0) return;
    this.options.log?.(`destination(s) ${plan.removed.join(", ")} removed: rescheduling ${plan.affected.length} request(s)`);
    await this.servePrevious(prev);
    // The service opens on the new destinations and reruns the requests placed on a gone one (new stores: next start).
    this.outputs = { ...this.outputs!, destinations: nextDests.filter((d) => stores.has(d.stateStore)) as PlatformOutputs["destinations"] };
    await this.serve();
    await this.service!.idle();
  }

  /**
   * Follows the platform stack: when another process (`pulumi up --stack local` from the command line)
   * finishes an update of it, the service reloads its registry from the stack (see reloadFromStack).
   */
  follow(opts: { intervalMs?: number; log?: (line: string) => void } = {}): void {
    const backend = this.workspace.options.backendUrl;
    if (!backend.startsWith("file://")) return;
    this.follower ??= new StackFollower({
      dir: historyDir(backend.slice("file://".length), this.workspace.options.project, this.stack),
      intervalMs: opts.intervalMs ?? 1000,
      busy: () => this.upInFlight,
      onUpdate: async () => {
        if (await this.reloadFromStack()) opts.log?.(`platform stack ${this.stack} changed: registry reloaded (${this.outputs!.promises.map((p) => `${p.name}@${p.version}`).join(", ")})`);
      },
      log: opts.log,
    });
    this.follower.start();
  }

  /**
   * Rebuilds the registry from the stack's outputs (and the config the update ran with) and restarts the
   * service on it after in-flight work: requests of changed Promises re-run, as after a restart.
   * False when the stack has no platform outputs (e.g. destroyed): the service keeps its registry.
   */
  async reloadFromStack(): Promise<boolean> {
    const out = await this.workspace.runCli(["stack", "output", "--json", "--show-secrets", "--stack", this.stack]);
    const outputs = JSON.parse(out.stdout || "{}") as PlatformOutputs;
    if (!outputs.config || !Array.isArray(outputs.promises)) return false;
    await this.configure(outputs.config);
    this.outputs = outputs;
    const previous = this.service;
    previous?.close();
    await previous?.idle();
    await this.serve(this.serveOptions);
    return true;
  }

  /** Removes everything the platform stack wrote (destination roots, dependencies). */
  async destroy(): Promise<void> {
    await this.workspace.stack(this.stack).destroy();
  }

  async stop(): Promise<void> {
    await this.follower?.stop();
    await this.service?.close();
    await this.server.close();
    await stopInProcess();
    await Promise.all([this.sharedRequests?.close(), this.workspace.close(), this.shared?.close()]);
  }
}

