/**
 * TEST DOUBLE of `PlatformService` for the HTTP API and CLI tests only: requests live in a Map, a tiny zod
 * schema validates them, and `reconcile()` emits scripted progress events. The real core (service/core)
 * has its own integration tests; nothing here is used outside test/.
 */
import { z } from "zod";
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from "../../../components/errors";
import type { RegistryEntry } from "../../../components/promise/types";
import type {
  ApplyOptions,
  ApplyResult,
  Caller,
  DeleteOptions,
  PlatformService,
  PreviewResult,
  RequestEvent,
  RequestKey,
  RequestObject,
} from "../../../service/core/types";

export const TEAM_NAMESPACE: RegistryEntry = {
  name: "team-namespace",
  version: "1.0.0",
  apiVersion: "platform.plinth.dev/v1",
  kind: "TeamNamespace",
  plural: "teamnamespaces",
  schema: { type: "object", properties: { team: { type: "string" }, quota: { type: "integer", minimum: 1 } } },
  destinations: ["local-1"],
};

const requestSchema = z.object({
  apiVersion: z.literal(TEAM_NAMESPACE.apiVersion),
  kind: z.literal("TeamNamespace"),
  metadata: z.object({
    name: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a DNS-1123 label"),
    namespace: z.string().default("default"),
    labels: z.record(z.string(), z.string()).optional(),
  }),
  spec: z.object({ team: z.string().min(1), quota: z.number().int().min(1).default(1) }),
});

export const TOKENS: Record<string, Caller> = {
  "token-admin": { team: "platform", namespaces: "*" },
  "token-team-a": { team: "team-a", namespaces: ["team-a"] },
};

export type ReconcileOutcome = "ready" | "stalled";

export class InMemoryPlatformService implements PlatformService {
  readonly objects = new Map<string, RequestObject>();
  readonly applyCalls: { object: unknown; mode: string }[] = [];
  private listeners = new Map<string, Set<(e: RequestEvent) => void>>();
  depth = 0;
  /** When set, apply/delete start a scripted reconcile after `autoDelayMs`. */
  autoReconcile: ReconcileOutcome | undefined;
  autoDelayMs = 30;
  /** When set, a scripted reconcile starts only once someone watches the request and then reads it (as the
   * CLI's --watch does; at most 10 s later), so watch tests see every event however slow the machine is. */
  autoAfterWatch = false;
  /** Requests read (GET) while watched: the watcher has seen the state before the scripted events. */
  private readWhileWatched = new Set<string>();
  /** Makes the next call to `apply` throw this (e.g. a non-Plinth error for the 500 test). */
  failNextApply: unknown;
  /** Every write of an object or its status gets the next one (as the real store). */
  private version = 0;

  private nextVersion(): string {
    return String(++this.version);
  }
  /** A precondition `resourceVersion` that is not the object's: 409 Conflict, as the real core. */
  private checkVersion(key: RequestKey, expected: string | undefined, actual: string | undefined): void {
    if (expected === undefined || expected === actual) return;
    throw new ConflictError(`request ${this.keyString(key)} was changed since it was read (resourceVersion ${expected}, now ${actual ?? "gone"}): re-read it and retry`, { ...key, resourceVersion: expected }, "Conflict");
  }

  private keyString(k: RequestKey): string {
    return `${k.namespace}/${this.canonicalKind(k.kind) ?? k.kind}/${k.name}`;
  }
  private canonicalKind(kind: string): string | undefined {
    const k = kind.toLowerCase();
    return k === "teamnamespace" || k === "teamnamespaces" ? "TeamNamespace" : undefined;
  }
  private allow(caller: Caller, namespace: string): void {
    if (caller.namespaces !== "*" && !caller.namespaces.includes(namespace)) {
      throw new ForbiddenError(`team ${caller.team} may not use namespace "${namespace}"`, { namespace, team: caller.team });
    }
  }
  private find(key: RequestKey, caller: Caller): RequestObject {
    this.allow(caller, key.namespace);
    if (!this.canonicalKind(key.kind)) throw new NotFoundError(`no Promise offers kind "${key.kind}"`, { kind: key.kind }, "UnknownKind");
    const o = this.objects.get(this.keyString(key));
    if (!o) throw new NotFoundError(`request ${this.keyString(key)} not found`, key, "RequestNotFound");
    return o;
  }
  private validate(object: unknown): z.infer<typeof requestSchema> {
    const r = requestSchema.safeParse(object);
    if (!r.success) {
      const issues = r.error.issues.map((i) => ({ path: i.path.map((p) => (typeof p === "symbol" ? String(p) : p)), message: i.message }));
      throw new ValidationError(`request is invalid: ${issues.map((i) => i.path.join(".")).join(", ")}`, issues);
    }
    return r.data;
  }

  promises(): RegistryEntry[] {
    return [TEAM_NAMESPACE];
  }
  destinations() {
    return [{ name: "local-1", labels: { env: "dev" }, path: "local-1", strictMatchLabels: false, stateStore: "default" }];
  }
  stateStores() {
    return [{ name: "default", url: "http://127.0.0.1:1/git/state.git", branch: "main", path: "" }];
  }

  async apply(object: unknown, opts: ApplyOptions): Promise<ApplyResult> {
    this.applyCalls.push({ object, mode: opts.mode });
    if (this.failNextApply !== undefined) {
      const e = this.failNextApply;
      this.failNextApply = undefined;
      throw e;
    }
    const v = this.validate(object);
    this.allow(opts.caller, v.metadata.namespace);
    const key = { namespace: v.metadata.namespace, kind: v.kind, name: v.metadata.name };
    const existing = this.objects.get(this.keyString(key));
    if (existing && opts.mode === "create") {
      throw new ConflictError(`request ${this.keyString(key)} already exists: use PUT to update it`, key, "AlreadyExists");
    }
    this.checkVersion(key, opts.resourceVersion, existing?.metadata.resourceVersion);
    const specChanged = !existing || JSON.stringify(existing.spec) !== JSON.stringify(v.spec);
    const generation = existing ? existing.metadata.generation + (specChanged ? 1 : 0) : 1;
    const stored: RequestObject = {
      apiVersion: v.apiVersion,
      kind: v.kind,
      metadata: {
        name: key.name,
        namespace: key.namespace,
        labels: v.metadata.labels,
        generation,
        uid: existing?.metadata.uid ?? `uid-${this.objects.size + 1}`,
        creationTimestamp: existing?.metadata.creationTimestamp ?? new Date(Date.now() - 90_000).toISOString(),
        annotations: { "plinth.dev/team": opts.caller.team },
        resourceVersion: existing && !specChanged ? existing.metadata.resourceVersion : this.nextVersion(),
      },
      spec: v.spec,
      status: existing?.status ?? { conditions: [], observedGeneration: 0, message: "queued", destinations: [], files: [], outputs: {} },
    };
    this.objects.set(this.keyString(key), stored);
    this.emit(key, { type: "queued", time: new Date().toISOString(), message: "reconcile queued" });
    if (this.autoReconcile) {
      const outcome = this.autoReconcile;
      this.later(key, () => this.reconcile(key, outcome));
    }
    return { ...key, generation, created: !existing, location: `/v1/requests/${key.namespace}/${key.kind}/${key.name}` };
  }

  async preview(object: unknown, opts: { caller: Caller }): Promise<PreviewResult> {
    const v = this.validate(object);
    this.allow(opts.caller, v.metadata.namespace);
    const path = `local-1/resources/${v.metadata.namespace}/team-namespace/${v.metadata.name}/configure/abcde/namespace.yaml`;
    return {
      namespace: v.metadata.namespace,
      kind: v.kind,
      name: v.metadata.name,
      destinations: ["local-1"],
      files: [{ destination: "local-1", path, change: "create", diff: `--- /dev/null\n+++ b/${path}\n@@ -0,0 +1 @@\n+team: ${v.spec.team}\n` }],
      actions: [{ name: "notify", kind: "slack", change: "create" }],
    };
  }

  async get(key: RequestKey, opts: { caller: Caller }): Promise<RequestObject> {
    const found = this.find(key, opts.caller);
    if (this.listenerCount(key) > 0) this.readWhileWatched.add(this.keyString(key));
    return found;
  }

  async list(filter: { namespace?: string; kind?: string }, opts: { caller: Caller }): Promise<RequestObject[]> {
    const c = opts.caller;
    return [...this.objects.values()].filter(
      (o) =>
        (c.namespaces === "*" || c.namespaces.includes(o.metadata.namespace)) &&
        (!filter.namespace || o.metadata.namespace === filter.namespace) &&
        (!filter.kind || o.kind === this.canonicalKind(filter.kind)),
    );
  }

  async delete(key: RequestKey, opts: DeleteOptions) {
    const o = this.find(key, opts.caller);
    this.checkVersion(key, opts.resourceVersion, o.metadata.resourceVersion);
    o.metadata.deletionTimestamp = new Date().toISOString();
    o.metadata.resourceVersion = this.nextVersion();
    const k = { namespace: o.metadata.namespace, kind: o.kind, name: o.metadata.name };
    if (this.autoReconcile) this.later(k, () => this.finishDelete(k));
    return k;
  }

  watch(key: RequestKey, listener: (e: RequestEvent) => void, opts: { caller: Caller }): () => void {
    this.find(key, opts.caller);
    const k = this.keyString(key);
    const set = this.listeners.get(k) ?? new Set();
    set.add(listener);
    this.listeners.set(k, set);
    return () => set.delete(listener);
  }

  /** Runs a scripted step after `autoDelayMs` (and, with `autoAfterWatch`, once the request is watched). */
  private later(key: RequestKey, fn: () => void): void {
    const deadline = Date.now() + 10_000;
    const start = () => setTimeout(fn, this.autoDelayMs).unref();
    if (!this.autoAfterWatch) return void start();
    const k = this.keyString(key);
    this.readWhileWatched.delete(k);
    const poll = () => (this.readWhileWatched.has(k) || Date.now() > deadline ? start() : setTimeout(poll, 10).unref());
    poll();
  }

  /** Listeners currently subscribed to a request (to check that disconnects unsubscribe). */
  listenerCount(key: RequestKey): number {
    return this.listeners.get(this.keyString(key))?.size ?? 0;
  }

  queueDepth(): number {
    return this.depth;
  }

  authenticate(token: string): Caller | undefined {
    return TOKENS[token];
  }

  emit(key: RequestKey, e: RequestEvent): void {
    for (const l of [...(this.listeners.get(this.keyString(key)) ?? [])]) l(e);
  }

  /** Scripted reconcile: workflow, engine, Reconciling status, then Ready or Stalled. */
  reconcile(key: RequestKey, outcome: ReconcileOutcome): void {
    const o = this.objects.get(this.keyString(key));
    if (!o) return;
    const time = new Date().toISOString();
    const cond = (type: string, status: "True" | "False", reason: string, message = "") => ({ type, status, reason, message, lastTransitionTime: time });
    this.emit(key, { type: "workflow", time, message: "configure pipeline: 1 step done" });
    o.status = { ...o.status, conditions: [cond("Ready", "False", "Reconciling"), cond("Reconciling", "True", "Running")] };
    o.metadata.resourceVersion = this.nextVersion();
    this.emit(key, { type: "status", time, message: "reconciling", data: structuredClone(o.status) });
    this.emit(key, { type: "engine", time, message: "plinth:state-store:Placement create" });
    o.status =
      outcome === "ready"
        ? {
            conditions: [cond("Ready", "True", "Reconciled", "all files written"), cond("Reconciling", "False", "Done")],
            observedGeneration: o.metadata.generation,
            message: "ready",
            destinations: ["local-1"],
            files: [{ destination: "local-1", path: "local-1/resources/x/namespace.yaml", commit: "0123456789abcdef" }],
            outputs: { namespace: o.metadata.name },
          }
        : {
            ...o.status,
            observedGeneration: o.metadata.generation,
            conditions: [cond("Ready", "False", "WorkflowFailed", "step render failed"), cond("Stalled", "True", "WorkflowFailed", "step render failed: quota too high")],
            message: "stalled",
          };
    o.metadata.resourceVersion = this.nextVersion();
    this.emit(key, { type: "status", time, message: outcome, data: structuredClone(o.status) });
  }

  finishDelete(key: RequestKey): void {
    this.emit(key, { type: "deleted", time: new Date().toISOString(), message: "request removed" });
    this.objects.delete(this.keyString(key));
  }
}
