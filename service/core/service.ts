/**
 * The service core (DESIGN.md §3 steps 2–6): requests are validated, persisted as their own stack's
 * config, and reconciled by a bounded queue that runs `up` (or `destroy`) on that stack through the lean
 * engine with the in-process provider. Shaped like the Automation API: `open()` factory, one options bag
 * per operation, typed results, streaming watchers. The rules live beside it, one concept a file:
 * admission.ts (bodies, the per-team queue limit), visibility.ts, upsert.ts, registry-views.ts,
 * git-scan.ts, wiring.ts (its parts and what a stored request needs at open).
 */
import * as os from "node:os";
import { ConflictError, NotFoundError } from "../../components/errors";
import type { RegistryEntry } from "../../components/promise/types";
import type { Tenant } from "../../components/promise/tenancy";
import { restoreRedacted } from "../../components/promise/sensitive";
import type { ResolvedDestination } from "../../components/vocabulary/destination";
import { admit, admittedLabels, assertChildOf, assertMayQueue } from "./admission";
import type { AppliedTracker } from "./applied";
import { PLATFORM_CALLER, assertMayUse } from "./auth";
import { ChangeFeed } from "./changes";
import { RequestEvents } from "./events";
import { FORCE_DELETE_ANNOTATION } from "./delete-workflow";
import { unownedFiles } from "./git-scan";
import { promiseFor, type InstalledPromise } from "./installed";
import { keyString, locationOf, stackNameOf } from "./keys";
import { readLogs } from "./logs-view";
import type { PlinthServiceOptions } from "./options";
import type { PlatformAgent } from "./platform-agent";
import { previewRequest } from "./preview";
import { sealedSpecCodec } from "./sealed-spec";
import { assertPlatformAdmin, readRequestSecrets, type RequestSecret } from "./secret-read";
import { SensitiveView, withMaskedLog } from "./sensitive-view";
import { DEFAULT_MAX_IN_FLIGHT_PER_TEAM, WorkQueue, type ReconcileFlags, type ReconcileQueue } from "./queue";
import type { Reconciler } from "./reconciler";
import { marketplaceView, promiseView } from "./registry-views";
import { StepLogStore } from "./step-logs";
import { RequestStore, StaleRecordError, emptyStatus, keyOf, type StoredRequest } from "./store";
import { newRequestObject, planUpdate } from "./upsert";
import { TEAM_ANNOTATION, assertMayWrite, notFound, visible } from "./visibility";
import { createAgent, createAppliedTracker, createReconciler, resumeStored, trackApplied, type ServiceParts } from "./wiring";
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

export type { PlinthServiceOptions };

export class PlinthService implements PlatformService {
  readonly store: RequestStore;
  /** The embedded `WorkQueue`, or in shared mode the queue over every replica (set by `open`). */
  queue: ReconcileQueue;
  private readonly events: RequestEvents;
  /** Every write of every request, for watchers of many (the Kubernetes-compatible API's watch). */
  readonly feed = new ChangeFeed();
  private readonly reconciler: Reconciler;
  readonly agent: PlatformAgent;
  readonly applied: AppliedTracker | undefined;
  readonly stepLogs: StepLogStore;

  readonly options: PlinthServiceOptions;
  /** What GET, lists, watches, events and logs show of sensitive spec fields (sensitive-view.ts). */
  private readonly sensitive: SensitiveView;

  private constructor(options: PlinthServiceOptions) {
    const definition = (name: string) => options.promises.find((p) => p.definition.name === name)?.definition;
    this.sensitive = new SensitiveView(definition);
    this.options = options = withMaskedLog(options, this.sensitive, () => this.store.all());
    this.store = new RequestStore(options.workspace, options.log, this.feed, sealedSpecCodec(options.workspace.options.passphrase, definition), options.shared?.records);
    this.events = new RequestEvents((stack) => this.store.getByStack(stack)?.object.metadata.resourceVersion, options.shared?.events, options.log);
    this.stepLogs = new StepLogStore(options.workspace.options.workDir, { maxStepBytes: options.maxStepLogBytes });
    const parts: ServiceParts = {
      store: this.store,
      stepLogs: this.stepLogs,
      write: (object, owner) => this.write(object, { caller: PLATFORM_CALLER, mode: "upsert" }, owner),
      remove: async (key) => void (await this.delete(key, { caller: PLATFORM_CALLER })),
      updateStatus: (stack, change, message) => this.updateStatus(stack, change, message),
      emit: (stack, e) => this.emit(stack, e),
      hide: (stack, text) => this.sensitive.hide(this.store.getByStack(stack), text),
      tenantOf: (rec) => this.tenantOf(rec),
      trackApplied: (rec) => trackApplied(this.applied, rec),
      queue: () => this.queue,
      agent: () => this.agent,
      applied: () => this.applied,
    };
    this.agent = createAgent(options, parts);
    this.reconciler = createReconciler(options, parts);
    this.applied = createAppliedTracker(options, parts);
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
    const loaded = await svc.store.open();
    // Shared mode: the queue over every replica (pg-boss leases), and the other replicas' events.
    if (options.shared) svc.queue = await options.shared.queue((stack, signal, flags) => svc.reconciler.reconcile(stack, signal, flags), svc.queue.concurrency);
    await svc.events.relayed();
    await resumeStored(loaded, options, { reconciler: svc.reconciler, queue: svc.queue, applied: svc.applied, later: (rec, ms) => svc.reconcileLater(rec, ms) });
    return svc;
  }

  /** Changes a request's status as it is now (`change` answers undefined: no change) and tells its watchers. */
  private async updateStatus(stack: string, change: (cur: StoredRequest) => RequestStatus | undefined, message?: (rec: StoredRequest) => string | undefined): Promise<void> {
    const rec = await this.store.patch(stack, (cur) => {
      const status = change(cur);
      return status && { status };
    });
    if (rec) this.emit(stack, { type: "status", message: message?.(rec) ?? rec.status.message, data: rec.status });
  }

  /** Stops; in shared mode resolves once running reconciles were handed back to the other replicas. */
  async close(): Promise<void> {
    this.applied?.close();
    if (this.resync) clearInterval(this.resync);
    await this.queue.stop();
  }

  private resync: NodeJS.Timeout | undefined;

  /** Reconciles every request (reading Git first), e.g. periodically: drift repair. */
  resyncAll(): number {
    const all = this.store.all().filter((r) => !r.object.metadata.deletionTimestamp);
    for (const r of all) {
      const stack = stackNameOf(keyOf(r));
      this.reconciler.forced.add(stack);
      this.enqueue(stack, 0, { force: true });
    }
    return all.length;
  }

  async reconcileNow(key: RequestKey, opts: { caller: Caller }): Promise<{ namespace: string; kind: string; name: string }> {
    const rec = this.lookup(key, opts.caller);
    const k = keyOf(rec);
    this.reconciler.forced.add(stackNameOf(k));
    this.emit(stackNameOf(k), { type: "queued", message: "reconcile requested" });
    await this.queue.add(stackNameOf(k), 0, { force: true });
    return k;
  }

  marketplace(): MarketplaceItem[] {
    return marketplaceView(this.options.catalogue ?? [], this.options.promises);
  }

  promise(name: string, _opts: { caller: Caller }): PromiseView {
    const p = this.options.promises.find((x) => x.definition.name === name);
    if (!p) throw new NotFoundError(`no installed Promise named "${name}"`, { name }, "PromiseNotFound");
    return promiseView(p, this.store.all());
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
      const plan = planUpdate(existing, obj, owner);
      if (plan.changed) this.admitWork(key, opts.caller);
      if (plan.object) await this.store.write({ ...existing, object: plan.object }, version);
      if (plan.changed) {
        this.emit(stackNameOf(key), { type: "queued", message: `generation ${plan.generation} queued` });
        await this.queue.add(stackNameOf(key));
      }
      return { ...key, generation: plan.generation, created: false, location: locationOf(key) };
    }
    if (opts.resourceVersion !== undefined) throw new StaleRecordError(key, opts.resourceVersion, undefined);
    this.admitWork(key, opts.caller);
    await this.store.create({ object: newRequestObject(obj, key, owner, this.teamFor(owner, opts.caller)), promise: p.definition.name, status: emptyStatus(), stackCreated: false });
    this.emit(stackNameOf(key), { type: "queued", message: "generation 1 queued" });
    await this.queue.add(stackNameOf(key));
    return { ...key, generation: 1, created: true, location: locationOf(key) };
  }

  /** Refuses (429 `TooManyInFlight`) new work for a team at its limit; see `assertMayQueue`. */
  private admitWork(key: RequestKey, caller: Caller): void {
    assertMayQueue({ queue: this.queue, store: this.store, max: this.options.maxInFlightPerTeam ?? DEFAULT_MAX_IN_FLIGHT_PER_TEAM }, key, caller);
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
      await this.store.write({ ...rec, object: { ...rec.object, metadata: { ...md, ...(annotations ? { annotations } : {}), deletionTimestamp: md.deletionTimestamp ?? new Date().toISOString() } } }, version);
      this.emit(stackNameOf(k), { type: "queued", message: forceNow ? "delete queued (force: the delete workflow will be skipped)" : "delete queued" });
      await this.queue.add(stackNameOf(k));
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
    this.enqueue(stack, delayMs, { force: true });
  }

  /** Queues without waiting (a retry, a resync): a failure to queue is logged; the next resync retries. */
  private enqueue(stack: string, delayMs = 0, flags?: ReconcileFlags): void {
    Promise.resolve(this.queue.add(stack, delayMs, flags)).catch((err: Error) => this.options.log?.(`${stack} not queued: ${err.message}`, { stack }));
  }

  /** Files under the store's destinations that no placement owns (git-scan.ts): reported, never deleted. */
  async unowned(store: string, opts: { caller: Caller }): Promise<{ store: string; files: string[] }> {
    if (opts.caller.namespaces !== "*" && !this.options.stateStores.some((s) => s.name === store)) throw new NotFoundError(`no State Store named "${store}"`);
    const writer = this.options.stores.writer(store);
    const files = await unownedFiles({
      list: (args) => writer.list(args),
      records: this.store.all(),
      platformPlacements: this.options.platformPlacements ?? [],
      destinations: this.options.destinations.filter((x) => x.stateStore === store),
    });
    return { store, files };
  }

  /** Deletes a stored request whatever its Promise (a Cascade removal of the Promise). */
  async forceDelete(rec: StoredRequest): Promise<void> {
    const k = keyOf(rec);
    const current = this.store.get(k);
    if (!current || current.object.metadata.deletionTimestamp) return;
    await this.store.write({ ...current, object: { ...current.object, metadata: { ...current.object.metadata, deletionTimestamp: new Date().toISOString() } } }, current.object.metadata.resourceVersion);
    await this.queue.add(stackNameOf(k));
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
    return this.events.on(stack, listener);
  }

  /** Progress of every request the caller may see (the portal's live list; events.ts). */
  watchAll(listener: (key: RequestKey, e: RequestEvent) => void, opts: { caller: Caller }): () => void {
    return this.events.watchVisible(this.store, opts.caller, (kind) => this.promiseFor(kind).entry.kind, listener);
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
    this.events.emit(stack, this.sensitive.hide(this.store.getByStack(stack), e));
  }
}
