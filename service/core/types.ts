/**
 * The service core's public shape (DESIGN.md §3 steps 2–6), shaped like the Pulumi Automation API: one
 * options bag per operation, typed results, errors from `components/errors.ts`. The HTTP API and the CLI
 * are thin layers over it.
 */
import type { RegistryEntry } from "../../components/promise/types";
import type { ResolvedDestination } from "../../components/vocabulary/destination";

/** Who is calling: a team and the namespaces it may use (`"*"` = all, the platform itself). */
export interface Caller {
  team: string;
  namespaces: readonly string[] | "*";
}

export interface RequestKey {
  namespace: string;
  /** The Promise's kind, e.g. `TeamNamespace` (matched case-insensitively, plural accepted). */
  kind: string;
  name: string;
}

export interface Condition {
  type: "Ready" | "Reconciling" | "Stalled" | string;
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
  lastTransitionTime: string;
}

export interface WrittenFile {
  destination: string;
  path: string;
  commit: string;
}

export interface RequestStatus {
  conditions: Condition[];
  observedGeneration: number;
  message: string;
  destinations: string[];
  files: WrittenFile[];
  outputs: Record<string, unknown>;
  /** Version of the Promise the request was last reconciled with. */
  promiseVersion?: string;
  /** Revision (version + workflows + config) of the Promise it was last reconciled with. */
  promiseRevision?: string;
  /** Last hand edit or deletion in Git found and repaired by a reconcile. */
  drift?: { repairedAt: string; dirs: string[]; count: number };
  children?: { namespace: string; kind: string; name: string; ready: boolean }[];
  /** Notable moments (delete workflow skipped or failed, suspended, re-run scheduled); the last 20. */
  history?: { time: string; type: "Normal" | "Warning"; reason: string; message: string }[];
  /** The delete workflow ran (or was skipped with force) at `completedAt`. */
  deleteWorkflow?: { completedAt?: string; skipped?: boolean };
  /** When the workflow runs again (a step's `retryAfter`, or the retry of a failure). */
  nextRunTime?: string;
}

/** A stored request as the API returns it (Kubernetes-style). */
export interface RequestObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace: string;
    labels?: Record<string, string>;
    generation: number;
    uid: string;
    creationTimestamp: string;
    /** Set while a delete is in progress. */
    deletionTimestamp?: string;
    /**
     * Opaque; changes on every write of the object or its status. Send it back (`ApplyOptions`/delete
     * `resourceVersion`, `metadata.resourceVersion` on `PUT`) to write only if nothing changed since.
     */
    resourceVersion: string;
    /** `plinth.dev/team` (the team that owns the request), plus the caller's own annotations. */
    annotations?: Record<string, string>;
    /** Server-side apply's field owners (Kubernetes `metav1.ManagedFieldsEntry`), kept as given. */
    managedFields?: ManagedFieldsEntry[];
  };
  spec: Record<string, unknown>;
  status: RequestStatus;
}

export interface ManagedFieldsEntry {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  time?: string;
  fieldsType: "FieldsV1";
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

/** One change of a request, as a watch of many requests sees it. */
export interface RequestChange {
  type: "ADDED" | "MODIFIED" | "DELETED";
  object: RequestObject;
}

export interface ApplyOptions {
  caller: Caller;
  /** `create` answers 409 for an existing name; `upsert` (PUT) updates it (generation + 1 only when spec changes). */
  mode: "create" | "upsert";
  /** Precondition: the `resourceVersion` the caller read; a stale one is refused (`409 Conflict`). */
  resourceVersion?: string;
  signal?: AbortSignal;
}

export interface DeleteOptions {
  caller: Caller;
  /** Precondition: the `resourceVersion` the caller read; a stale one is refused (`409 Conflict`). */
  resourceVersion?: string;
  /** Skip the delete workflow (recorded as a warning in the status history and events). */
  force?: boolean;
}

export interface ApplyResult {
  namespace: string;
  kind: string;
  name: string;
  generation: number;
  created: boolean;
  /** Path of the request on the API, e.g. `/v1/requests/default/TeamNamespace/team-a`. */
  location: string;
}

export interface PreviewFile {
  destination: string;
  path: string;
  change: "create" | "update" | "delete" | "same";
  /** Unified diff against what is in Git now. */
  diff: string;
}

export interface PreviewResult {
  namespace: string;
  kind: string;
  name: string;
  destinations: string[];
  files: PreviewFile[];
  actions: { name: string; kind: string; change: string }[];
}

/** Progress of one request, streamed to watchers (Server-Sent Events on the API). */
export interface RequestEvent {
  /** `log`: output of a workflow step (`data`: `{step, stream, generation, phase}`). */
  type: "queued" | "workflow" | "engine" | "status" | "deleted" | "error" | "log";
  time: string;
  message: string;
  data?: unknown;
  /** The request's `resourceVersion` when the event was sent (absent once it is gone). */
  resourceVersion?: string;
}

export interface StepLogs {
  namespace: string;
  kind: string;
  name: string;
  /** The generation shown (undefined: no logs yet). */
  generation?: number;
  /** Every generation with logs. */
  generations: number[];
  entries: { time: string; generation: number; phase: string; step: string; stream: string; text: string }[];
  /** Whether a run is in progress (queued or running), i.e. whether following makes sense. */
  running: boolean;
}

export interface MarketplaceItem {
  name: string;
  version: string;
  description: string;
  category: string;
  apiVersion: string;
  kind: string;
  installed: boolean;
  installedVersion?: string;
}

export interface PromiseView extends RegistryEntry {
  revision: string;
  requests: { total: number; byVersion: Record<string, number>; current: number; pending: number; stalled: number };
}

export interface PlatformService {
  promises(): RegistryEntry[];
  destinations(): ResolvedDestination[];
  stateStores(): { name: string; url: string; branch: string; path: string }[];
  /** Validates, persists (the request's own stack, config = the request) and queues a reconcile. */
  apply(object: unknown, opts: ApplyOptions): Promise<ApplyResult>;
  /** What applying would write and run; changes nothing anywhere. */
  preview(object: unknown, opts: { caller: Caller; signal?: AbortSignal }): Promise<PreviewResult>;
  /** A request's Secrets decrypted (platform-admin callers only; 403 ForbiddenSecretRead otherwise). */
  secrets?(key: RequestKey, opts: { caller: Caller }): Promise<{ items: import("./secret-read").RequestSecret[] }>;
  get(key: RequestKey, opts: { caller: Caller }): Promise<RequestObject>;
  list(filter: { namespace?: string; kind?: string }, opts: { caller: Caller }): Promise<RequestObject[]>;
  /** Queues the delete workflow and the removal of exactly the files the request wrote, then its stack. */
  delete(key: RequestKey, opts: DeleteOptions): Promise<{ namespace: string; kind: string; name: string }>;
  /** Stored step logs of one generation (default: the latest), optionally of one step. */
  logs?(key: RequestKey, opts: { caller: Caller; generation?: number; step?: string }): Promise<StepLogs>;
  /** Live progress of one request; returns an unsubscribe function. */
  watch(key: RequestKey, listener: (e: RequestEvent) => void, opts: { caller: Caller }): () => void;
  /** Live progress of every request the caller may see; returns an unsubscribe function. */
  watchAll?(listener: (key: RequestKey, e: RequestEvent) => void, opts: { caller: Caller }): () => void;
  /** The resource version of the latest write of any request (a list's resource version). */
  resourceVersion?(): string;
  /**
   * Changes of the requests the caller may see (optionally one namespace and/or kind): those after
   * `resourceVersion` first (410 `Expired` when older than the history kept), then live ones, until the
   * returned function is called.
   */
  changes?(
    filter: { namespace?: string; kind?: string; resourceVersion?: string },
    listener: (c: RequestChange) => void,
    opts: { caller: Caller },
  ): () => void;
  /** Queue depth now, for /metrics. */
  queueDepth(): number;
  /** One Promise with how many requests are on which version (upgrade progress). */
  promise?(name: string, opts: { caller: Caller }): PromiseView;
  /** Reconciles a request now, reading what Git holds first (drift repair). */
  reconcileNow?(key: RequestKey, opts: { caller: Caller }): Promise<{ namespace: string; kind: string; name: string }>;
  /** Files in a State Store that no placement owns (reported, never deleted). */
  unowned?(store: string, opts: { caller: Caller }): Promise<{ store: string; files: string[] }>;
  /** The Marketplace: every Promise Plinth ships, its version, and whether (and at which version) it is installed. */
  marketplace?(): MarketplaceItem[];
  /** Resolves a bearer token to its caller, or undefined. */
  authenticate(token: string): Caller | undefined;
}
