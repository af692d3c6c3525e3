/**
 * The service core (DESIGN.md §3 steps 2–6): requests are validated, persisted as their own stack's
 * config, and reconciled by a bounded queue that runs `up` (or `destroy`) on that stack through the lean
 * engine with the in-process provider. Shaped like the Automation API: `open()` factory, one options bag
 * per operation, typed results, streaming watchers.
 */
import * as crypto from "node:crypto";
import { EventEmitter } from "node:events";
import * as os from "node:os";
import { isDeepStrictEqual } from "node:util";
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError } from "../../components/errors";
import { validateRequest } from "../../components/promise/schema";
import type { AnyPromise, RegistryEntry } from "../../components/promise/types";
import type { DestinationSpec } from "../../destinations/types";
import { catalogue } from "../../promises/marketplace";
import type { EngineWorkspace } from "../engine";
import type { StoreRegistry } from "../platform/stores";
import { PLATFORM_CALLER, assertMayUse, mayUse, type TeamDirectory } from "./auth";
import { keyString, locationOf, stackNameOf } from "./keys";
import { PlatformAgent, ownerOf } from "./platform-agent";
import { previewRequest } from "./preview";
import { WorkQueue } from "./queue";
import { Reconciler } from "./reconciler";
import { AppliedTracker, type ClusterStatusSource } from "./applied";
import { conditionOf } from "./conditions";
import { RequestStore, emptyStatus, keyOf, type StoredRequest } from "./store";
import type {
  ApplyOptions,
  ApplyResult,
  Caller,
  PlatformService,
  PreviewResult,
  MarketplaceItem,
  PromiseView,
  RequestEvent,
  RequestKey,
  RequestObject,
} from "./types";

export interface InstalledPromise {
  definition: AnyPromise;
  /** `promiseRevision(definition, config)`: requests reconciled with another revision are re-run. */
  revision: string;
  /** Organisation config (validated at installation). */
  config: unknown;
  entry: RegistryEntry;
}

export interface PlinthServiceOptions {
  /** Workspace of the request stacks (attached to the in-process provider). */
  workspace: EngineWorkspace;
  promises: InstalledPromise[];
  destinations: Required<DestinationSpec>[];
  stateStores: { name: string; url: string; branch: string; path: string }[];
  stores: StoreRegistry;
  /** Directories the platform stack's Promise installations own (store-relative). */
  platformPlacements?: { dir: string; files: string[] }[];
  teams: TeamDirectory;
  /** Parallel reconciles; defaults to the CPU count. */
  concurrency?: number;
  /** Attempts before a request is Stalled. */
  maxAttempts?: number;
  /** First retry delay (doubles each attempt). */
  retryBaseMs?: number;
  onReconcile?: (seconds: number, ok: boolean) => void;
  onDrift?: (count: number) => void;
  /** Every request is reconciled (reading Git first) this often; default 10 h, 0 = never. */
  resyncIntervalMs?: number;
  log?: (line: string) => void;
  /** Cluster destinations whose Flux status is read back into each request's `Applied` condition. */
  clusters?: ClusterStatusSource[];
}

const TEAM_ANNOTATION = "plinth.dev/team";

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export class PlinthService implements PlatformService {
  readonly store: RequestStore;
  readonly queue: WorkQueue;
  private readonly events = new EventEmitter();
  private readonly reconciler: Reconciler;
  readonly agent: PlatformAgent;
  readonly applied: AppliedTracker | undefined;

  private constructor(readonly options: PlinthServiceOptions) {
    this.events.setMaxListeners(0);
    this.store = new RequestStore(options.workspace);
    this.agent = new PlatformAgent({
      store: this.store,
      stores: options.stores,
      destinations: options.destinations,
      apply: (object) => this.apply(object, { caller: PLATFORM_CALLER, mode: "upsert" }),
      remove: async (key) => void (await this.delete(key, { caller: PLATFORM_CALLER })),
      serves: (apiVersion, kind) => options.promises.some((p) => p.entry.apiVersion === apiVersion && p.entry.kind.toLowerCase() === kind.toLowerCase()),
      statusChanged: (rec) => this.statusChanged(rec),
      log: options.log ?? (() => undefined),
    });
    this.reconciler = new Reconciler({
      workspace: options.workspace,
      store: this.store,
      destinations: options.destinations,
      defaultStore: options.stateStores[0]?.name ?? "default",
      promise: (name) => options.promises.find((p) => p.definition.name === name),
      emit: (stack, e) => this.emit(stack, e),
      requeue: (stack, delay) => this.queue.add(stack, delay),
      maxAttempts: options.maxAttempts ?? 4,
      retryBaseMs: options.retryBaseMs ?? 1000,
      onReconcile: options.onReconcile,
      onDrift: options.onDrift,
      log: options.log ?? (() => undefined),
      hooks: {
        afterApply: (rec) => {
          this.trackApplied(rec);
          return this.agent.sync(rec);
        },
        beforeRemove: (rec) => {
          this.applied?.forget(stackNameOf(keyOf(rec)));
          return this.agent.removeChildren(keyOf(rec));
        },
        afterRemove: (rec) => this.applied?.nudge(rec.status.destinations ?? []),
        statusChanged: (rec) => this.agent.childChanged(rec),
      },
    });
    if (options.clusters?.length) {
      this.applied = new AppliedTracker({
        sources: options.clusters,
        contains: (destination, commit, ancestor) => {
          const d = options.destinations.find((x) => x.name === destination);
          return options.stores.writer(d?.stateStore ?? options.stateStores[0].name).contains({ commit, ancestor });
        },
        update: (stack, change) => {
          const rec = this.store.getByStack(stack);
          if (!rec) return;
          const next = change(rec.status.conditions);
          if (next === rec.status.conditions) return;
          rec.status = { ...rec.status, conditions: next };
          this.statusChanged(rec, conditionOf(next, "Applied")?.message);
        },
        log: options.log,
      });
    }
    this.queue = new WorkQueue({ concurrency: options.concurrency ?? Math.max(1, os.cpus().length), work: (stack) => this.reconciler.reconcile(stack) });
    const every = options.resyncIntervalMs ?? 10 * 3600 * 1000;
    if (every > 0) {
      this.resync = setInterval(() => this.resyncAll(), every);
      this.resync.unref();
    }
  }

  /**
   * Loads stored requests, clears locks left by a dead process and resumes every unfinished request;
   * requests reconciled with an older revision of their Promise are queued again, oldest first.
   */
  static async open(options: PlinthServiceOptions): Promise<PlinthService> {
    const svc = new PlinthService(options);
    const loaded = svc.store.load().sort((a, b) => a.object.metadata.creationTimestamp.localeCompare(b.object.metadata.creationTimestamp));
    for (const rec of loaded) {
      const revision = options.promises.find((p) => p.definition.name === rec.promise)?.revision;
      const unfinished =
        rec.object.metadata.deletionTimestamp || rec.status.observedGeneration < rec.object.metadata.generation || (revision !== undefined && rec.status.promiseRevision !== revision);
      if (unfinished) {
        const n = options.workspace.clearDeadLocks(stackNameOf(keyOf(rec)));
        if (n) options.log?.(`cleared ${n} lock(s) of ${stackNameOf(keyOf(rec))} left by a dead process`);
        svc.queue.add(stackNameOf(keyOf(rec)));
      } else if (conditionOf(rec.status.conditions, "Applied")?.status === "Unknown") {
        // Still waiting for Flux when the service stopped: follow it again.
        svc.trackApplied(rec);
      }
    }
    return svc;
  }

  /** Saves a request's status and tells its watchers. */
  private statusChanged(rec: StoredRequest, message = rec.status.message): void {
    this.store.saveStatus(rec);
    this.emit(stackNameOf(keyOf(rec)), { type: "status", message, data: rec.status });
  }

  /** Follows the commits of a request's files on its cluster destinations into its `Applied` condition. */
  private trackApplied(rec: StoredRequest): void {
    if (!this.applied) return;
    const seen = new Set<string>();
    const targets = [];
    for (const f of rec.status.files ?? []) {
      const k = `${f.destination}\u0000${f.commit}`;
      if (seen.has(k)) continue;
      seen.add(k);
      targets.push({ destination: f.destination, commit: f.commit });
    }
    const m = rec.object.metadata;
    this.applied.track(stackNameOf(keyOf(rec)), { namespace: m.namespace ?? "default", promise: rec.promise, name: m.name }, targets);
  }

  close(): void {
    this.applied?.close();
    if (this.resync) clearInterval(this.resync);
    this.queue.stop();
  }

  private resync: NodeJS.Timeout | undefined;

  /** Reconciles every request (reading Git first), e.g. periodically: drift repair. */
  resyncAll(): number {
    const all = this.store.all().filter((r) => !r.object.metadata.deletionTimestamp);
    for (const r of all) {
      const stack = stackNameOf(keyOf(r));
      this.reconciler.forced.add(stack);
      this.queue.add(stack);
    }
    return all.length;
  }

  async reconcileNow(key: RequestKey, opts: { caller: Caller }): Promise<{ namespace: string; kind: string; name: string }> {
    const rec = this.lookup(key, opts.caller);
    const k = keyOf(rec);
    this.reconciler.forced.add(stackNameOf(k));
    this.emit(stackNameOf(k), { type: "queued", message: "reconcile requested" });
    this.queue.add(stackNameOf(k));
    return k;
  }

  marketplace(): MarketplaceItem[] {
    return catalogue.map((c) => {
      const installed = this.options.promises.find((p) => p.definition.name === c.name);
      return {
        name: c.name,
        version: c.version,
        description: c.description,
        category: c.category,
        apiVersion: `${c.promise.api.group}/${c.promise.api.version}`,
        kind: c.promise.api.kind,
        installed: installed !== undefined,
        ...(installed ? { installedVersion: installed.definition.version } : {}),
      };
    });
  }

  promise(name: string, _opts: { caller: Caller }): PromiseView {
    const p = this.options.promises.find((x) => x.definition.name === name);
    if (!p) throw new NotFoundError(`no installed Promise named "${name}"`, { name }, "PromiseNotFound");
    const recs = this.store.all().filter((r) => r.promise === name);
    const byVersion: Record<string, number> = {};
    for (const r of recs) {
      const v = r.status.promiseVersion ?? "(not reconciled yet)";
      byVersion[v] = (byVersion[v] ?? 0) + 1;
    }
    const current = recs.filter((r) => r.status.promiseRevision === p.revision).length;
    const stalled = recs.filter((r) => r.status.conditions.some((c) => c.type === "Stalled" && c.status === "True")).length;
    return { ...p.entry, revision: p.revision, requests: { total: recs.length, byVersion, current, pending: recs.length - current - stalled, stalled } };
  }

  /** Resolves once every queued reconcile has finished (tests, shutdown). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  promises(): RegistryEntry[] {
    return this.options.promises.map((p) => p.entry);
  }

  destinations(): Required<DestinationSpec>[] {
    return this.options.destinations;
  }

  stateStores(): { name: string; url: string; branch: string; path: string }[] {
    return this.options.stateStores;
  }

  queueDepth(): number {
    return this.queue.depth();
  }

  authenticate(token: string): Caller | undefined {
    return this.options.teams.authenticate(token);
  }

  /** The installed Promise serving `apiVersion`/`kind` (kind also by plural, any case). */
  private promiseFor(kind: string, apiVersion?: string): InstalledPromise {
    const k = kind.toLowerCase();
    const found = this.options.promises.find(
      (p) => (p.entry.kind.toLowerCase() === k || p.entry.plural.toLowerCase() === k) && (apiVersion === undefined || p.entry.apiVersion === apiVersion),
    );
    if (!found) {
      const known = this.options.promises.map((p) => `${p.entry.apiVersion}/${p.entry.kind}`).join(", ") || "(none)";
      throw new NotFoundError(`no installed Promise serves ${apiVersion ? `${apiVersion} ` : ""}kind "${kind}"; installed: ${known}`, { apiVersion, kind }, "PromiseNotFound");
    }
    return found;
  }

  private visible(rec: StoredRequest, caller: Caller): boolean {
    if (caller.namespaces === "*") return true;
    return mayUse(caller, rec.object.metadata.namespace) && (rec.object.metadata.annotations?.[TEAM_ANNOTATION] ?? caller.team) === caller.team;
  }

  private lookup(key: RequestKey, caller: Caller): StoredRequest {
    const p = this.promiseFor(key.kind);
    assertMayUse(caller, key.namespace);
    const rec = this.store.get({ ...key, kind: p.entry.kind });
    if (!rec || !this.visible(rec, caller)) {
      throw new NotFoundError(`${p.entry.kind} "${key.name}" not found in namespace "${key.namespace}"`, { ...key, kind: p.entry.kind }, "RequestNotFound");
    }
    return rec;
  }

  /** Parses and validates a request object; answers the canonical key and the validated object. */
  private validate(object: unknown, caller: Caller): { p: InstalledPromise; obj: Omit<RequestObject, "status">; key: RequestKey } {
    if (!isRecord(object)) throw new BadRequestError("a request must be an object with apiVersion, kind, metadata and spec", undefined, "MalformedRequest");
    if (typeof object.apiVersion !== "string" || typeof object.kind !== "string") {
      throw new BadRequestError("a request needs apiVersion and kind (they select the Promise)", { issues: [{ path: ["apiVersion"], message: "required" }, { path: ["kind"], message: "required" }] }, "MalformedRequest");
    }
    const p = this.promiseFor(object.kind, object.apiVersion);
    const meta = isRecord(object.metadata) ? object.metadata : {};
    const namespace = typeof meta.namespace === "string" && meta.namespace ? meta.namespace : "default";
    assertMayUse(caller, namespace);
    const valid = validateRequest(p.definition, { ...object, kind: p.entry.kind, metadata: { ...meta, namespace } });
    const labels = isRecord(meta.labels) ? (meta.labels as Record<string, string>) : undefined;
    const obj: Omit<RequestObject, "status"> = {
      apiVersion: p.entry.apiVersion,
      kind: p.entry.kind,
      metadata: { name: valid.metadata.name, namespace, ...(labels ? { labels } : {}), generation: 1, uid: "", creationTimestamp: "" },
      spec: valid.spec as Record<string, unknown>,
    };
    return { p, obj, key: { namespace, kind: p.entry.kind, name: valid.metadata.name } };
  }

  async apply(object: unknown, opts: ApplyOptions): Promise<ApplyResult> {
    const { p, obj, key } = this.validate(object, opts.caller);
    const existing = this.store.get(key);
    if (existing) {
      if (!this.visible(existing, opts.caller)) throw new ForbiddenError(`${key.kind} "${key.name}" in "${key.namespace}" belongs to another team`, key, "RequestOwnedByAnotherTeam");
      if (opts.mode === "create") throw new ConflictError(`${key.kind} "${key.name}" already exists in namespace "${key.namespace}"; use PUT to update it`, key, "AlreadyExists");
      if (existing.object.metadata.deletionTimestamp) throw new ConflictError(`${key.kind} "${key.name}" is being deleted`, key, "BeingDeleted");
      const changed = !isDeepStrictEqual(existing.object.spec, obj.spec) || !isDeepStrictEqual(existing.object.metadata.labels, obj.metadata.labels);
      if (changed) {
        const next: StoredRequest = {
          ...existing,
          object: { ...existing.object, metadata: { ...existing.object.metadata, labels: obj.metadata.labels, generation: existing.object.metadata.generation + 1 }, spec: obj.spec },
        };
        this.store.saveObject(next);
        this.emit(stackNameOf(key), { type: "queued", message: `generation ${next.object.metadata.generation} queued` });
        this.queue.add(stackNameOf(key));
      }
      const gen = this.store.get(key)!.object.metadata.generation;
      return { ...key, generation: gen, created: false, location: locationOf(key) };
    }
    const rec: StoredRequest = {
      object: {
        ...obj,
        metadata: {
          ...obj.metadata,
          uid: crypto.randomUUID(),
          creationTimestamp: new Date().toISOString(),
          annotations: { [TEAM_ANNOTATION]: this.teamFor(obj, opts.caller) },
        },
      },
      promise: p.definition.name,
      status: emptyStatus(),
      stackCreated: false,
    };
    this.store.saveObject(rec);
    this.emit(stackNameOf(key), { type: "queued", message: "generation 1 queued" });
    this.queue.add(stackNameOf(key));
    return { ...key, generation: 1, created: true, location: locationOf(key) };
  }

  async preview(object: unknown, opts: { caller: Caller; signal?: AbortSignal }): Promise<PreviewResult> {
    const { p, obj, key } = this.validate(object, opts.caller);
    const existing = this.store.get(key);
    return previewRequest({
      promise: p,
      object: obj,
      key,
      existing,
      destinations: this.options.destinations,
      defaultStore: this.options.stateStores[0]?.name ?? "default",
      stores: this.options.stores,
    });
  }

  async get(key: RequestKey, opts: { caller: Caller }): Promise<RequestObject> {
    const rec = this.lookup(key, opts.caller);
    return { ...rec.object, status: rec.status };
  }

  async list(filter: { namespace?: string; kind?: string }, opts: { caller: Caller }): Promise<RequestObject[]> {
    const kind = filter.kind ? this.promiseFor(filter.kind).entry.kind : undefined;
    if (filter.namespace) assertMayUse(opts.caller, filter.namespace);
    return this.store
      .all()
      .filter((r) => this.visible(r, opts.caller))
      .filter((r) => (!filter.namespace || r.object.metadata.namespace === filter.namespace) && (!kind || r.object.kind === kind))
      .sort((a, b) => keyString(keyOf(a)).localeCompare(keyString(keyOf(b))))
      .map((r) => ({ ...r.object, status: r.status }));
  }

  async delete(key: RequestKey, opts: { caller: Caller }): Promise<{ namespace: string; kind: string; name: string }> {
    const rec = this.lookup(key, opts.caller);
    const k = keyOf(rec);
    if (!rec.object.metadata.deletionTimestamp) {
      this.store.saveObject({ ...rec, object: { ...rec.object, metadata: { ...rec.object.metadata, deletionTimestamp: new Date().toISOString() } } });
      this.emit(stackNameOf(k), { type: "queued", message: "delete queued" });
      this.queue.add(stackNameOf(k));
    }
    return k;
  }

  /**
   * Files under destinations' `dependencies/` and `resources/` that no placement owns (edited in by hand,
   * or left by a tool): reported, never deleted. Index `kustomization.yaml` files are Plinth's own.
   */
  async unowned(store: string, opts: { caller: Caller }): Promise<{ store: string; files: string[] }> {
    if (opts.caller.namespaces !== "*" && !this.options.stateStores.some((s) => s.name === store)) throw new NotFoundError(`no State Store named "${store}"`);
    const writer = this.options.stores.writer(store);
    const owned = new Set<string>();
    for (const r of this.store.all()) for (const f of r.status.files) owned.add(f.path);
    for (const p of this.options.platformPlacements ?? []) for (const f of p.files) owned.add(`${p.dir}/${f}`);
    const files: string[] = [];
    for (const d of this.options.destinations.filter((x) => x.stateStore === store)) {
      for (const part of ["dependencies", "resources"]) {
        const dir = `${d.path}/${part}`;
        for (const rel of await writer.list({ dir })) {
          const full = `${dir}/${rel}`;
          if (owned.has(full) || rel === "kustomization.yaml" || rel.endsWith("/kustomization.yaml")) continue;
          files.push(full);
        }
      }
    }
    return { store, files };
  }

  /** Deletes a stored request whatever its Promise (a Cascade removal of the Promise). */
  forceDelete(rec: StoredRequest): void {
    const k = keyOf(rec);
    const current = this.store.get(k);
    if (!current || current.object.metadata.deletionTimestamp) return;
    this.store.saveObject({ ...current, object: { ...current.object, metadata: { ...current.object.metadata, deletionTimestamp: new Date().toISOString() } } });
    this.queue.add(stackNameOf(k));
  }

  watch(key: RequestKey, listener: (e: RequestEvent) => void, opts: { caller: Caller }): () => void {
    const rec = this.lookup(key, opts.caller);
    const stack = stackNameOf(keyOf(rec));
    this.events.on(stack, listener);
    return () => this.events.off(stack, listener);
  }

  /** A compound child belongs to its parent's team; anything else to the caller's. */
  private teamFor(obj: Omit<RequestObject, "status">, caller: Caller): string {
    if (caller.namespaces !== "*") return caller.team;
    const owner = ownerOf({ object: obj } as StoredRequest);
    const parent = owner ? this.store.get(owner) : undefined;
    return parent?.object.metadata.annotations?.[TEAM_ANNOTATION] ?? caller.team;
  }

  /** Every request the platform itself owns (compound children). */
  platformCaller(): Caller {
    return PLATFORM_CALLER;
  }

  private emit(stack: string, e: Omit<RequestEvent, "time">): void {
    this.events.emit(stack, { ...e, time: new Date().toISOString() });
  }
}
