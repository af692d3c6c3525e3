/**
 * The platform as one process: an HTTP server on loopback serving the Git State Store (smart HTTP) and
 * later the API, the `plinth` provider served in-process, and the platform stack run through the lean
 * engine. The README's start command and the tests both use it.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { initBareRepo } from "../components/state-store/bare-repo";
import { createGitHttpHandler, sameSecret } from "../components/state-store/git-http-backend";
import { EngineWorkspace, type EngineEvent, type OperationResult } from "../service/engine";
import { startHttpServer, type Handler, type RunningServer } from "../service/http-server";
import { PlinthProvider, serveInProcess, stopInProcess } from "../service/provider";
import { validatePlatformConfig, platformProgram } from "../stacks/platform";
import type { PlatformConfig } from "../stacks/config";
import type { Toolchain } from "../tools/pulumi/ensure";
import { locateFluxCrds } from "../tools/cluster/flux-crds";
import { platformHandlers } from "../service/provider/handlers";
import { parseConfig } from "../components/promise/schema";
import { marketplace } from "../promises";
import { catalogue as marketplaceCatalogue } from "../promises/marketplace";
import { withSelectors } from "../stacks/platform";
import { PlinthService, TeamDirectory, sha256Hex, type PlinthServiceOptions } from "../service/core";
import { promiseRevision } from "../service/core/revision";
import { RequestStore } from "../service/core/store";
import type { AnyPromise } from "../components/promise/types";
import { planPreflight } from "../service/core/preflight";
import { runPromiseDeleteWorkflows, waitForCascade } from "./promise-delete";
import { parseGoDuration } from "../components/workflow/actions/kratix-io";
import { planDestinationRemoval } from "./removed-destinations";
import { destinationSpecs } from "../stacks/config";
import { resolvedDestination } from "../vocabulary/destination";
import { createTransitHandler } from "./transit";
import { createApiHandler, Metrics } from "../service/http";
import { MemorySessionStore } from "../service/http/sessions";
import { createUiHandler } from "../service/ui/serve";
import { StoreRegistry } from "../service/core/stores";
import { StackFollower, historyDir } from "./stack-follower";
import { servingCert } from "../service/http/tls-cert";
import { fluxStatusSource } from "../destinations/local-cluster/flux-status";
import type { KubeClient } from "../destinations/local-cluster/kube-client";

export interface LocalPlatformOptions {
  /** Directory for all local state (`.plinth/` of the checkout). */
  dataDir: string;
  toolchain: Toolchain;
  /** Port of the HTTP server (0 = any free port). */
  port: number;
  host?: string;
  /** Name of the platform stack. */
  stack?: string;
  log?: (line: string) => void;
  /** Promises that may be installed, by name (default: the Marketplace). */
  catalogue?: Readonly<Record<string, AnyPromise>>;
}

/** What the platform needs of a running local cluster (destinations/local-cluster's LocalCluster). */
export interface LocalClusterHandle {
  kubeconfig: string;
  client: KubeClient;
  /** Directory holding `pulumi-resource-kubernetes` (the plugin `@pulumi/kubernetes` needs). */
  pluginDir: string;
}

type ServeOptions = Partial<Pick<PlinthServiceOptions, "concurrency" | "maxAttempts" | "retryBaseMs" | "log" | "resyncIntervalMs">>;

export interface PlatformOutputs {
  stateStore: { name: string; url: string; branch: string; path: string; head: string };
  stateStores: { name: string; url: string; branch: string; path: string; head: string }[];
  destinations: { name: string; labels: Record<string, string>; path: string; strictMatchLabels: boolean; stateStore: string }[];
  promises: { name: string; version: string; apiVersion: string; kind: string; plural: string; schema: unknown; destinations: string[] }[];
  endpoint: string;
  placements?: { dir: string; files: string[] }[];
  /** The `plinth:*` config the update ran with (what a reload configures). */
  config?: Record<string, unknown>;
}

function secretFile(file: string, bytes = 24): string {
  if (fs.existsSync(file)) return fs.readFileSync(file, "utf8").trim();
  const value = crypto.randomBytes(bytes).toString("base64url");
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, value + "\n", { mode: 0o600 });
  return value;
}

/** Config as written to the stack settings: credentials stay in this process (the provider), never on disk. */
function withoutCredentials(raw: Record<string, unknown>): Record<string, unknown> {
  const out = { ...raw };
  if (Array.isArray(out.stateStores)) {
    out.stateStores = out.stateStores.map((s) => {
      const { password: _p, token: _t, ...rest } = s as Record<string, unknown>;
      return rest;
    });
  }
  if (Array.isArray(out.teams)) {
    out.teams = out.teams.map((t) => {
      const { token: _t, ...rest } = t as Record<string, unknown>;
      return rest;
    });
  }
  return out;
}

/** Whether any Promise entry has organisation config (then `plinth:promises` is kept as a secret). */
function hasPromiseConfig(promises: unknown): boolean {
  return Array.isArray(promises) && promises.some((p) => typeof p === "object" && p !== null && Object.keys((p as { config?: object }).config ?? {}).length > 0);
}

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
  /** Running local clusters of `kind: local-cluster` destinations, by destination name. */
  private readonly clusters = new Map<string, LocalClusterHandle>();
  private upInFlight = false;
  private follower: StackFollower | undefined;
  private serveOptions: ServeOptions = {};

  private constructor(
    readonly options: LocalPlatformOptions,
    readonly server: RunningServer,
    readonly providerPort: number,
    gitPassword: string,
    fluxPassword: string,
  ) {
    this.gitPassword = gitPassword;
    this.fluxPassword = fluxPassword;
    this.devToken = secretFile(path.join(options.dataDir, "token"), 32);
    this.transitToken = secretFile(path.join(options.dataDir, "transit-token"), 24);
    const transitKey = Buffer.from(secretFile(path.join(options.dataDir, "transit-key"), 32), "base64url");
    server.handlers.unshift(createTransitHandler({ key: transitKey, token: this.transitToken, prefix: "/vault" }) as Handler);
    server.handlers.push(createUiHandler() as Handler);
    this.stack = options.stack ?? "local";
    this.stores = new StoreRegistry(path.join(options.dataDir, "cache"));
    this.workspace = new EngineWorkspace({
      pulumi: options.toolchain.pulumi,
      backendUrl: `file://${path.join(options.dataDir, "state")}`,
      workDir: path.join(options.dataDir, "platform"),
      project: "plinth",
      passphrase: secretFile(path.join(options.dataDir, "passphrase")),
      debugProviders: () => ({ plinth: this.providerPort }),
      env: { PULUMI_HOME: path.join(options.dataDir, "pulumi-home") },
    });
    // Action steps keep their (encrypted) inputs for delete; the key must stay stable: the passphrase.
    const handlers = platformHandlers(this.stores, { sealKey: this.workspace.options.passphrase });
    for (const [type, h] of Object.entries(handlers)) provider.register(type, h);
  }

  /** Starts the HTTP server (Git at /git/) and the in-process provider. Runs no `up` yet. */
  static async start(options: LocalPlatformOptions): Promise<LocalPlatform> {
    fs.mkdirSync(options.dataDir, { recursive: true });
    const gitPassword = secretFile(path.join(options.dataDir, "git-password"));
    const fluxPassword = secretFile(path.join(options.dataDir, "git-flux-password"));
    const projectRoot = path.join(options.dataDir, "git");
    fs.mkdirSync(projectRoot, { recursive: true });
    // Both checks always run (no early exit on the user name): constant time whoever asks.
    const authenticate = (u: string, p: string): false | "read" | "write" => {
      const platform = [sameSecret(u, "plinth"), sameSecret(p, gitPassword)].every(Boolean);
      const flux = [sameSecret(u, "flux"), sameSecret(p, fluxPassword)].every(Boolean);
      return platform ? "write" : flux ? "read" : false;
    };
    const git = createGitHttpHandler({ projectRoot, authenticate });
    const tls = servingCert(options.dataDir);
    const server = await startHttpServer({ host: options.host, port: options.port, handlers: [git as Handler], tls });
    const port = await serveInProcess(provider);
    return new LocalPlatform(options, server, port, gitPassword, fluxPassword);
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
    const cfg = validatePlatformConfig(raw, this.catalogue);
    for (const s of cfg.stateStores) {
      if (s.embedded) {
        const repo = await initBareRepo({ projectRoot: path.join(this.options.dataDir, "git"), name: s.name, branch: s.branch });
        // Same machine: the writer commits straight into the served repository (compare-and-swap ref update).
        this.stores.set({ name: s.name, url: this.gitUrl(s.name), branch: s.branch, path: s.path, auth: { username: this.gitUser, password: this.gitPassword }, localRepo: repo });
      } else {
        const auth = s.token ? { token: s.token } : s.username || s.password ? { username: s.username ?? "", password: s.password ?? "" } : undefined;
        this.stores.set({ name: s.name, url: s.url!, branch: s.branch, path: s.path, auth });
      }
    }
    this.config = cfg;
    return cfg;
  }

  /** Runs `up` on the platform stack with `raw` config (validated first: bad config changes nothing). */
  async up(raw: Record<string, unknown>, opts: { onEvent?: (e: EngineEvent) => void; signal?: AbortSignal } = {}): Promise<PlatformOutputs> {
    this.upInFlight = true;
    try {
      return await this.runUp(raw, opts);
    } finally {
      this.upInFlight = false;
      this.follower?.markSeen();
    }
  }

  private async runUp(raw: Record<string, unknown>, opts: { onEvent?: (e: EngineEvent) => void; signal?: AbortSignal }): Promise<PlatformOutputs> {
    validatePlatformConfig(raw, this.catalogue);
    await this.preflight(raw);
    const cfg = await this.configure(raw);
    if (!this.workspace.readSettings(this.stack)) await this.workspace.createStack(this.stack);
    // A platform process killed during `up` leaves its lock; a lock of a live process is kept.
    else this.workspace.clearDeadLocks(this.stack);
    // Promise organisation config may hold secrets (Slack, PagerDuty, Zendesk keys): stored encrypted.
    const plain = withoutCredentials(raw);
    const secretPromises = hasPromiseConfig(plain.promises);
    const config: Record<string, string> = {};
    for (const [k, v] of Object.entries(plain)) if (!(k === "promises" && secretPromises)) config[`plinth:${k}`] = JSON.stringify(v);
    this.workspace.writeConfig(this.stack, config);
    if (secretPromises) await this.workspace.setSecretConfig(this.stack, "plinth:promises", JSON.stringify(plain.promises));
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
          fluxCrdDir: () => locateFluxCrds(path.resolve(__dirname, "..")),
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
    this.service?.close();
    const promises = cfg.promises.map((p) => {
      const definition = withSelectors(this.catalogue[p.name], p.destinationSelectors);
      const parsed = parseConfig(definition, p.config);
      const entry = outputs.promises.find((e) => e.name === p.name)!;
      const config = parsed.ok ? parsed.value : {};
      const b = p.backoff;
      const backoff = b ? { limit: b.limit, initialMs: parseGoDuration(b.initialDelay) ?? 1000, maxMs: parseGoDuration(b.maxDelay) ?? 300_000 } : undefined;
      return { definition, config, revision: promiseRevision(definition, config), entry: entry as never, ...(backoff ? { backoff } : {}) };
    });
    const teams = new TeamDirectory(
      cfg.teams.map((t) => ({ name: t.name, namespaces: t.namespaces, token: t.token, tokenSha256: t.tokenSha256 ?? (t.token ? undefined : sha256Hex(this.devToken)) })),
    );
    const workspace = this.requestsWorkspace();
    this.service = await PlinthService.open({
      workspace,
      promises,
      destinations: outputs.destinations,
      stateStores: outputs.stateStores.map(({ name, url, branch, path: p }) => ({ name, url, branch, path: p })),
      stores: this.stores,
      platformPlacements: outputs.placements ?? [],
      teams,
      concurrency: process.env.PLINTH_CONCURRENCY ? Number(process.env.PLINTH_CONCURRENCY) : undefined,
      onReconcile: (secs) => this.metrics.observeReconcile(secs),
      onDrift: (n) => this.metrics.incDriftRepairs(n),
      maxInFlightPerTeam: cfg.limits.maxInFlightPerTeam,
      catalogue: marketplaceCatalogue,
      clusters: [...this.clusters]
        .filter(([n]) => cfg.destinations.some((d) => d.name === n && d.kind === "local-cluster"))
        .map(([destination, c]) => fluxStatusSource({ destination, client: c.client })),
      ...opts,
    });
    const handlers = this.server.handlers;
    const api = createApiHandler({ service: this.service, metrics: this.metrics, limits: cfg.limits, sessions: this.sessions, log: opts.log ? (line) => opts.log!(line) : undefined });
    const existing = handlers.findIndex((h) => (h as { plinthApi?: boolean }).plinthApi);
    (api as unknown as { plinthApi: boolean }).plinthApi = true;
    if (existing >= 0) handlers[existing] = api;
    else handlers.unshift(api);
    return this.service;
  }

  /** A one-time sign-in link to the web portal for the team of `token` (default: the dev token); undefined when no team has it. */
  portalLink(token = this.devToken): string | undefined {
    const caller = this.service?.authenticate(token);
    if (!caller) return undefined;
    return `${this.url}/ui/#/signin?code=${this.sessions.createLink(caller).code}`;
  }

  /** The config the platform stack was last brought up with (from its settings), if any. */
  private async previousRaw(): Promise<Record<string, unknown> | undefined> {
    const settings = this.workspace.readSettings(this.stack);
    if (!settings?.config) return undefined;
    const secure = Object.values(settings.config).some((v) => typeof v === "object" && v !== null && "secure" in v);
    const values: Record<string, unknown> = secure ? await this.workspace.readConfigDecrypted(this.stack) : settings.config;
    const raw: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(values)) if (k.startsWith("plinth:")) raw[k.slice(7)] = typeof v === "string" ? JSON.parse(v) : v;
    return raw;
  }

  /**
   * Workspace of the request stacks. New request stacks keep their secrets with `hashivault://plinth`,
   * served by this platform (transit.ts), so no CLI run pays the passphrase key derivation.
   */
  private requestsWorkspace(): EngineWorkspace {
    const o = this.workspace.options;
    return new EngineWorkspace({
      ...o,
      workDir: path.join(this.options.dataDir, "requests"),
      project: "plinth-requests",
      secretsProvider: "hashivault://plinth",
      env: { ...o.env, VAULT_ADDR: `${this.server.url}/vault`, VAULT_TOKEN: this.transitToken },
    });
  }

  /** Checks the new config against existing requests (see preflight.ts); runs a Cascade's deletes. */
  private async preflight(raw: Record<string, unknown>): Promise<void> {
    const next = validatePlatformConfig(raw, this.catalogue);
    const prev = await this.previousRaw();
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
        store.write({ ...rec, object: { ...rec.object, spec, metadata: { ...rec.object.metadata, generation: rec.object.metadata.generation + 1 } } }, rec.object.metadata.resourceVersion);
      }
    }
    if (plan.cascade.length) {
      await this.servePrevious(prev!);
      for (const rec of plan.cascade) this.service!.forceDelete(rec);
      await waitForCascade(this.service!.store, plan.cascade);
    }
    // Promises leaving the config: their promise delete workflow runs once their requests are gone.
    const removed = (prevCfg?.promises ?? []).filter((p) => !next.promises.some((n) => n.name === p.name) && this.catalogue[p.name]);
    await runPromiseDeleteWorkflows(
      removed.map((p) => {
        const definition = withSelectors(this.catalogue[p.name], p.destinationSelectors);
        const parsed = parseConfig(definition, p.config);
        return { definition, config: parsed.ok ? parsed.value : {} };
      }),
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
    // The service opens on the new destinations and runs again every request placed on one that is gone.
    // Destinations of a store this platform does not serve yet join at the next start.
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
    this.service?.close();
    await this.server.close();
    await stopInProcess();
  }
}

const provider = new PlinthProvider({});
