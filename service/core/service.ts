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
import { ConflictError, NotFoundError, TooManyRequestsError } from "../../components/errors";
import type { AnyPromise, RegistryEntry } from "../../components/promise/types";
import type { Tenant } from "../../components/promise/tenancy";
import type { DestinationSpec, ResolvedDestination } from "../../vocabulary/destination";
import { catalogue } from "../../promises/marketplace";
import type { EngineWorkspace } from "../engine";
import type { StoreRegistry } from "./stores";
import { admit, admittedAnnotations, admittedLabels, assertChildOf, childLabels, promiseFor } from "./admission";
import { PLATFORM_CALLER, assertMayUse, type TeamDirectory } from "./auth";
import { keyString, locationOf, stackNameOf } from "./keys";
import { PlatformAgent } from "./platform-agent";
import { previewRequest } from "./preview";
import { restoreRedacted } from "../../components/promise/sensitive";
import { SensitiveView } from "./sensitive-view";
import { sealedSpecCodec } from "./sealed-spec";
import { assertPlatformAdmin, readRequestSecrets, type RequestSecret } from "./secret-read";
import { DEFAULT_MAX_IN_FLIGHT_PER_TEAM, WorkQueue } from "./queue";
import { Reconciler } from "./reconciler";
import { AppliedTracker, type ClusterStatusSource } from "./applied";
import { ChangeFeed } from "./changes";
import { conditionOf } from "./conditions";
import { RequestStore, StaleRecordError, emptyStatus, keyOf, type StoredRequest } from "./store";
import { TEAM_ANNOTATION, assertMayWrite, notFound, visible } from "./visibility";
import { FORCE_DELETE_ANNOTATION, runRequestDeleteWorkflow, type Backoff } from "./delete-workflow";
import { StepLogStore, stepLogSink } from "./step-logs";
import { readLogs } from "./logs-view";
import type {
  ApplyOptions,
  ApplyResult,
  Caller,
  DeleteOptions,
  PlatformService,
  PreviewResult,
  MarketplaceItem,
  PromiseView,
  RequestChange,
  RequestEvent,
  RequestKey,
  RequestObject,
  RequestStatus,
  StepLogs,
} from "./types";

/** The event channel every request's events are also sent on (stack names never start with a space). */
const ALL_EVENTS = " all";

export interface InstalledPromise {
  definition: AnyPromise;
  /** `promiseRevision(definition, config)`: requests reconciled with another revision are re-run. */
  revision: string;
  /** Organisation config (validated at installation). */
  config: unknown;
  entry: RegistryEntry;
  /** Retry limits of its workflows (platform config `promises[].backoff`). */
  backoff?: Backoff;
}

export interface PlinthServiceOptions {
  /** Workspace of the request stacks (attached to the in-process provider). */
  workspace: EngineWorkspace;
  promises: InstalledPromise[];
  destinations: ResolvedDestination[];
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
  /** Bytes of output kept per workflow step and generation (default 256 KiB); the rest is dropped with a marker. */
  maxStepLogBytes?: number;
  /** Requests of one team queued or reconciling at once (`plinth:limits.maxInFlightPerTeam`); more is a 429. */
  maxInFlightPerTeam?: number;
  /** Each destination's age private key, by name (a secret: never logged): previews and `plinth secret` decrypt with it. */
  sopsKeys?: () => Promise<Record<string, string>>;
}

export class PlinthService implements PlatformService {
  readonly store: RequestStore;
  readonly queue: WorkQueue;
  private readonly events = new EventEmitter();
  /** Every write of every request, for watchers of many (the Kubernetes-compatible API's watch). */
  readonly feed = new ChangeFeed();
  private readonly reconciler: Reconciler;
  readonly agent: PlatformAgent;
  readonly applied: AppliedTracker | undefined;
  readonly stepLogs: StepLogStore;

  readonly options: PlinthServiceOptions;
  private readonly sensitive: SensitiveView;

  private constructor(options: PlinthServiceOptions) {
    this.events.setMaxListeners(0);
    this.sensitive = new SensitiveView((name) => options.promises.find((p) => p.definition.name === name)?.definition);
    // Service log lines never carry a request's sensitive spec value (sensitive-view.ts).
    const rawLog = options.log;
    options = { ...options, log: rawLog ? (line: string) => rawLog(this.sensitive.line(this.store.all(), line)) : undefined };
    this.options = options;
    this.store = new RequestStore(options.workspace, options.log, this.feed, sealedSpecCodec(options.workspace.options.passphrase, (name) => options.promises.find((p) => p.definition.name === name)?.definition));
    this.stepLogs = new StepLogStore(options.workspace.options.workDir, { maxStepBytes: options.maxStepLogBytes });
    const promiseOf = (name: string) => options.promises.find((p) => p.definition.name === name);
    const sink = (stack: string, gen: number, phase: string, begin?: boolean) => {
      const write = stepLogSink(this.stepLogs, (e) => this.emit(stack, e), stack, gen, phase, begin);
      return (e: Parameters<typeof write>[0]) => write({ ...e, text: this.sensitive.hide(this.store.getByStack(stack), e.text) });
    };
    this.agent = new PlatformAgent({
      store: this.store,
      stores: options.stores,
      destinations: options.destinations,
      apply: (object, owner) => this.write(object, { caller: PLATFORM_CALLER, mode: "upsert" }, owner),
      remove: async (key) => void (await this.delete(key, { caller: PLATFORM_CALLER })),
      serves: (apiVersion, kind) => options.promises.some((p) => p.entry.apiVersion === apiVersion && p.entry.kind.toLowerCase() === kind.toLowerCase()),
      updateStatus: (key, change) => this.updateStatus(stackNameOf(key), change),
      log: options.log ?? (() => undefined),
    });
    this.reconciler = new Reconciler({
      workspace: options.workspace,
      store: this.store,
      destinations: options.destinations,
      defaultStore: options.stateStores[0]?.name ?? "default",
      promise: (name) => options.promises.find((p) => p.definition.name === name),
      tenant: (rec) => this.tenantOf(rec),
      emit: (stack, e) => this.emit(stack, e),
      requeue: (stack, delay) => this.queue.add(stack, delay),
      maxAttempts: options.maxAttempts ?? 4,
      retryBaseMs: options.retryBaseMs ?? 1000,
      onReconcile: options.onReconcile,
      onDrift: options.onDrift,
      log: options.log ?? (() => undefined),
      stepLog: sink,
      backoff: (name) => promiseOf(name)?.backoff,
      deleteWorkflow: (stack, rec) =>
        runRequestDeleteWorkflow(stack, rec, {
          promise: promiseOf,
          patchStatus: (s, change) => this.store.patch(s, (cur) => ({ status: change(cur.status) })),
          emit: (s, e) => this.emit(s, e),
          log: options.log ?? (() => undefined),
          stepLog: (s, gen) => sink(s, gen, "delete", true),
        }),
      hooks: {
        afterApply: (rec) => {
          this.trackApplied(rec);
          return this.agent.sync(rec);
        },
        beforeRemove: (rec) => {
          this.applied?.forget(stackNameOf(keyOf(rec)));
          return this.agent.removeChildren(keyOf(rec));
        },
        afterRemove: (rec) => {
          this.stepLogs.remove(stackNameOf(keyOf(rec)));
          this.applied?.nudge(rec.status.destinations ?? []);
          // A name may have been freed for a compound parent stalled on ChildConflict.
          for (const parent of this.agent.conflicted()) this.queue.add(stackNameOf(keyOf(parent)));
        },
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
        update: (stack, change) =>
          this.updateStatus(
            stack,
            (cur) => {
              const next = change(cur.status.conditions);
              return next === cur.status.conditions ? undefined : { ...cur.status, conditions: next };
            },
            (rec) => conditionOf(rec.status.conditions, "Applied")?.message,
          ),
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
      // Placed on a destination that is gone, or waiting for one: schedule again on today's destinations.
      const unplaced =
        !rec.object.metadata.deletionTimestamp &&
        ((rec.status.destinations ?? []).some((d) => !options.destinations.some((x) => x.name === d)) || conditionOf(rec.status.conditions, "Scheduled")?.status === "False");
      if (unplaced) svc.reconciler.rescheduled.add(stackNameOf(keyOf(rec)));
      if (unfinished || unplaced) {
        const n = options.workspace.clearDeadLocks(stackNameOf(keyOf(rec)));
        if (n) options.log?.(`cleared ${n} lock(s) of ${stackNameOf(keyOf(rec))} left by a dead process`);
        svc.queue.add(stackNameOf(keyOf(rec)));
      } else if (rec.status.nextRunTime && conditionOf(rec.status.conditions, "Stalled")?.status !== "True") {
        // A step asked for a re-run (`retryAfter`) before the service stopped.
        svc.reconcileLater(rec, Math.max(0, Date.parse(rec.status.nextRunTime) - Date.now()));
      } else if (conditionOf(rec.status.conditions, "Applied")?.status === "Unknown") {
        // Still waiting for Flux when the service stopped: follow it again.
        svc.trackApplied(rec);
      }
    }
    return svc;
  }

  /** Changes a request's status as it is now (`change` answers undefined: no change) and tells its watchers. */
  private updateStatus(stack: string, change: (cur: StoredRequest) => RequestStatus | undefined, message?: (rec: StoredRequest) => string | undefined): void {
    const rec = this.store.patch(stack, (cur) => {
      const status = change(cur);
      return status && { status };
    });
    if (rec) this.emit(stack, { type: "status", message: message?.(rec) ?? rec.status.message, data: rec.status });
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

  destinations(): ResolvedDestination[] {
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

  private promiseFor(kind: string, apiVersion?: string): InstalledPromise {
    return promiseFor(this.options.promises, kind, apiVersion);
  }

  private lookup(key: RequestKey, caller: Caller): StoredRequest {
    const p = this.promiseFor(key.kind);
    assertMayUse(caller, key.namespace);
    const rec = this.store.get({ ...key, kind: p.entry.kind });
    if (!rec || !visible(rec, caller)) throw notFound({ ...key, kind: p.entry.kind });
    return rec;
  }

  apply(object: unknown, opts: ApplyOptions): Promise<ApplyResult> {
    return this.write(object, opts);
  }

  /**
   * Creates or updates a request (compare-and-swap on the record read just before, in the same tick).
   * With `owner` (the platform agent applying a compound child) it never touches a request `owner` did
   * not create.
   */
  private async write(object: unknown, opts: ApplyOptions, owner?: RequestKey): Promise<ApplyResult> {
    const { p, obj, key } = admit(this.options.promises, object, opts.caller);
    const existing = this.store.get(key);
    // A spec sent back as read keeps the stored value of each field still shown as `(sensitive)`.
    if (existing) obj.spec = restoreRedacted(p.definition, obj.spec, existing.object.spec) as typeof obj.spec;
    if (existing) {
      assertMayWrite(existing, opts.caller, key);
      if (owner) assertChildOf(existing, owner, key);
      if (opts.mode === "create") throw new ConflictError(`${key.kind} "${key.name}" already exists in namespace "${key.namespace}"; use PUT to update it`, key, "AlreadyExists");
      const version = existing.object.metadata.resourceVersion;
      if (opts.resourceVersion !== undefined && opts.resourceVersion !== version) throw new StaleRecordError(key, opts.resourceVersion, version);
      if (existing.object.metadata.deletionTimestamp) throw new ConflictError(`${key.kind} "${key.name}" is being deleted`, key, "BeingDeleted");
      const labels = owner ? childLabels(obj, owner) : admittedLabels(obj, existing);
      const stored = existing.object.metadata;
      const annotations = owner ? stored.annotations : admittedAnnotations(obj, stored.annotations);
      const managedFields = owner ? stored.managedFields : obj.metadata.managedFields;
      const changed = !isDeepStrictEqual(existing.object.spec, obj.spec) || !isDeepStrictEqual(stored.labels, labels);
      // Annotations and field owners alone make a new resource version, not a new generation.
      const metaChanged = !isDeepStrictEqual(stored.annotations, annotations) || !isDeepStrictEqual(stored.managedFields, managedFields);
      let gen = existing.object.metadata.generation;
      if (changed || metaChanged) {
        if (changed) {
          this.admitWork(key, opts.caller);
          gen += 1;
        }
        const metadata = { ...stored, labels, annotations, managedFields, generation: gen };
        if (!labels) delete metadata.labels;
        if (!annotations) delete metadata.annotations;
        if (!managedFields) delete metadata.managedFields;
        this.store.write({ ...existing, object: { ...existing.object, metadata, spec: obj.spec } }, version);
      }
      if (changed) {
        this.emit(stackNameOf(key), { type: "queued", message: `generation ${gen} queued` });
        this.queue.add(stackNameOf(key));
      }
      return { ...key, generation: gen, created: false, location: locationOf(key) };
    }
    if (opts.resourceVersion !== undefined) throw new StaleRecordError(key, opts.resourceVersion, undefined);
    this.admitWork(key, opts.caller);
    const labels = owner ? childLabels(obj, owner) : admittedLabels(obj, undefined);
    this.store.create({
      object: {
        ...obj,
        metadata: {
          name: key.name,
          namespace: key.namespace,
          ...(labels ? { labels } : {}),
          generation: 1,
          uid: crypto.randomUUID(),
          creationTimestamp: new Date().toISOString(),
          annotations: { ...admittedAnnotations(obj, undefined), [TEAM_ANNOTATION]: this.teamFor(owner, opts.caller) },
          ...(obj.metadata.managedFields && !owner ? { managedFields: obj.metadata.managedFields } : {}),
          resourceVersion: "",
        },
      },
      promise: p.definition.name,
      status: emptyStatus(),
      stackCreated: false,
    });
    this.emit(stackNameOf(key), { type: "queued", message: "generation 1 queued" });
    this.queue.add(stackNameOf(key));
    return { ...key, generation: 1, created: true, location: locationOf(key) };
  }

  /**
   * Refuses (429 `TooManyInFlight`, nothing written) new work for a team that already has
   * `maxInFlightPerTeam` requests queued or reconciling. The platform's own work is never refused.
   */
  private admitWork(key: RequestKey, caller: Caller): void {
    if (caller === PLATFORM_CALLER) return;
    const stack = stackNameOf(key);
    if (this.queue.isBusy(stack)) return; // coalesces with the work already queued
    const max = this.options.maxInFlightPerTeam ?? DEFAULT_MAX_IN_FLIGHT_PER_TEAM;
    let n = 0;
    for (const s of this.queue.busyKeys()) {
      const team = this.store.getByStack(s)?.object.metadata.annotations?.[TEAM_ANNOTATION];
      if (team === caller.team && ++n >= max) {
        throw new TooManyRequestsError(
          `team "${caller.team}" already has ${n} requests queued or reconciling, the limit (plinth:limits.maxInFlightPerTeam) is ${max}: retry once some are Ready`,
          Math.max(1, Math.ceil(n / Math.max(1, this.queue.concurrency))),
          { team: caller.team, limit: max },
          "TooManyInFlight",
        );
      }
    }
  }

  /** Same admission and visibility as apply: another team's request is refused, never diffed. */
  async preview(object: unknown, opts: { caller: Caller; signal?: AbortSignal }): Promise<PreviewResult> {
    const { p, obj, key } = admit(this.options.promises, object, opts.caller);
    const existing = this.store.get(key);
    // A spec sent back as read keeps the stored value of each field still shown as `(sensitive)`.
    if (existing) obj.spec = restoreRedacted(p.definition, obj.spec, existing.object.spec) as typeof obj.spec;
    if (existing) assertMayWrite(existing, opts.caller, key);
    const labels = admittedLabels(obj, existing);
    return previewRequest({
      promise: p,
      object: { ...obj, metadata: { ...obj.metadata, labels } },
      key,
      existing,
      destinations: this.options.destinations,
      defaultStore: this.options.stateStores[0]?.name ?? "default",
      stores: this.options.stores,
      tenant: opts.caller,
      sopsKeys: this.options.sopsKeys,
    });
  }

  /** The request's Secrets, decrypted (`plinth secret`): platform-admin callers only; the values are never logged. */
  async secrets(key: RequestKey, opts: { caller: Caller }): Promise<{ items: RequestSecret[] }> {
    assertPlatformAdmin(opts.caller);
    const rec = this.lookup(key, opts.caller);
    return { items: await readRequestSecrets({ files: rec.status.files, destinations: this.options.destinations, stores: this.options.stores, sopsKeys: this.options.sopsKeys }) };
  }

  async get(key: RequestKey, opts: { caller: Caller }): Promise<RequestObject> {
    const rec = this.lookup(key, opts.caller);
    return this.sensitive.object(rec.promise, { ...rec.object, status: rec.status });
  }

  async list(filter: { namespace?: string; kind?: string }, opts: { caller: Caller }): Promise<RequestObject[]> {
    const kind = filter.kind ? this.promiseFor(filter.kind).entry.kind : undefined;
    if (filter.namespace) assertMayUse(opts.caller, filter.namespace);
    return this.store
      .all()
      .filter((r) => visible(r, opts.caller))
      .filter((r) => (!filter.namespace || r.object.metadata.namespace === filter.namespace) && (!kind || r.object.kind === kind))
      .sort((a, b) => keyString(keyOf(a)).localeCompare(keyString(keyOf(b))))
      .map((r) => this.sensitive.object(r.promise, { ...r.object, status: r.status }));
  }

  /** Queues the delete; `force` skips the delete workflow (also of a request whose delete is already failing). */
  async delete(key: RequestKey, opts: DeleteOptions): Promise<{ namespace: string; kind: string; name: string }> {
    const rec = this.lookup(key, opts.caller);
    const k = keyOf(rec);
    const version = rec.object.metadata.resourceVersion;
    if (opts.resourceVersion !== undefined && opts.resourceVersion !== version) throw new StaleRecordError(k, opts.resourceVersion, version);
    const md = rec.object.metadata;
    const forceNow = opts.force === true && md.annotations?.[FORCE_DELETE_ANNOTATION] !== "true";
    if (!md.deletionTimestamp || forceNow) {
      const annotations = forceNow ? { ...md.annotations, [FORCE_DELETE_ANNOTATION]: "true" } : md.annotations;
      this.store.write({ ...rec, object: { ...rec.object, metadata: { ...md, ...(annotations ? { annotations } : {}), deletionTimestamp: md.deletionTimestamp ?? new Date().toISOString() } } }, version);
      this.emit(stackNameOf(k), { type: "queued", message: forceNow ? "delete queued (force: the delete workflow will be skipped)" : "delete queued" });
      this.queue.add(stackNameOf(k));
    }
    return k;
  }

  async logs(key: RequestKey, opts: { caller: Caller; generation?: number; step?: string }): Promise<StepLogs> {
    const rec = this.lookup(key, opts.caller);
    const stack = stackNameOf(keyOf(rec));
    return readLogs(this.stepLogs, rec, { ...opts, running: this.queue.isBusy(stack) });
  }

  /** Runs a request's workflow again after `delayMs` although nothing changed. */
  private reconcileLater(rec: StoredRequest, delayMs: number): void {
    const stack = stackNameOf(keyOf(rec));
    this.reconciler.forced.add(stack);
    this.queue.add(stack, delayMs);
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
    this.store.write({ ...current, object: { ...current.object, metadata: { ...current.object.metadata, deletionTimestamp: new Date().toISOString() } } }, current.object.metadata.resourceVersion);
    this.queue.add(stackNameOf(k));
  }

  resourceVersion(): string {
    return this.feed.current();
  }

  changes(filter: { namespace?: string; kind?: string; resourceVersion?: string }, listener: (c: RequestChange) => void, opts: { caller: Caller }): () => void {
    const kind = filter.kind ? this.promiseFor(filter.kind).entry.kind : undefined;
    if (filter.namespace) assertMayUse(opts.caller, filter.namespace);
    return this.feed.subscribe(filter.resourceVersion, (c) => {
      const m = c.object.metadata;
      if ((filter.namespace && m.namespace !== filter.namespace) || (kind && c.object.kind !== kind)) return;
      if (!visible({ object: c.object }, opts.caller)) return;
      const rec = this.store.get({ namespace: m.namespace, kind: c.object.kind, name: m.name });
      listener({ type: c.type, object: rec ? this.sensitive.object(rec.promise, c.object) : this.sensitive.hide(undefined, c.object) });
    });
  }

  watch(key: RequestKey, listener: (e: RequestEvent) => void, opts: { caller: Caller }): () => void {
    const rec = this.lookup(key, opts.caller);
    const stack = stackNameOf(keyOf(rec));
    this.events.on(stack, listener);
    return () => this.events.off(stack, listener);
  }

  /**
   * Progress of every request the caller may see (the portal's live list). A request's events reach
   * the listener while it is visible; its `deleted` event too, when it was visible before.
   */
  watchAll(listener: (key: RequestKey, e: RequestEvent) => void, opts: { caller: Caller }): () => void {
    const seen = new Set(this.store.all().filter((r) => visible(r, opts.caller)).map((r) => stackNameOf(keyOf(r))));
    const onEvent = (stack: string, e: RequestEvent): void => {
      const rec = this.store.getByStack(stack);
      if (rec && visible(rec, opts.caller)) {
        seen.add(stack);
        listener(keyOf(rec), e);
      } else if (e.type === "deleted" && seen.delete(stack)) {
        const [namespace, kind, name] = stack.split(".");
        listener({ namespace, kind: this.promiseFor(kind).entry.kind, name }, e);
      }
    };
    this.events.on(ALL_EVENTS, onEvent);
    return () => this.events.off(ALL_EVENTS, onEvent);
  }

  /**
   * The team a request is reconciled for: the owner recorded at creation (a compound child's is its
   * parent's). A record without one is confined to its own namespace.
   */
  private tenantOf(rec: StoredRequest): Tenant {
    const team = rec.object.metadata.annotations?.[TEAM_ANNOTATION];
    return team ? this.options.teams.tenant(team) : { team: "(unknown)", namespaces: [rec.object.metadata.namespace] };
  }

  /** A compound child belongs to its parent's team; anything else to the caller's. */
  private teamFor(owner: RequestKey | undefined, caller: Caller): string {
    const parent = owner ? this.store.get(owner) : undefined;
    return parent?.object.metadata.annotations?.[TEAM_ANNOTATION] ?? caller.team;
  }

  /** Every request the platform itself owns (compound children). */
  platformCaller(): Caller {
    return PLATFORM_CALLER;
  }

  private emit(stack: string, e: Omit<RequestEvent, "time">): void {
    const rec = this.store.getByStack(stack);
    const resourceVersion = rec?.object.metadata.resourceVersion;
    const event = { ...this.sensitive.hide(rec, e), time: new Date().toISOString(), ...(resourceVersion ? { resourceVersion } : {}) };
    this.events.emit(stack, event);
    this.events.emit(ALL_EVENTS, stack, event);
  }
}
