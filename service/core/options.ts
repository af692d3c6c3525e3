/** What a PlinthService is opened with (the composition root, stacks/local-platform/, fills it in). */
import type { EngineWorkspace } from "../engine";
import type { ClusterStatusSource } from "../../components/flux/status-source";
import type { ResolvedDestination } from "../../components/vocabulary/destination";
import type { TeamDirectory } from "./auth";
import type { InstalledPromise } from "./installed";
import type { MarketplaceEntry } from "./registry-views";
import type { StoreRegistry } from "./stores";
import type { LogFn } from "../log/logger";
import type { ReconcileQueue, ReconcileWork } from "./queue";
import type { DurableRecords } from "./record-backend";
import type { RequestEvent } from "./types";

/** Events of requests relayed between replicas (shared mode; service/shared/shared-parts.ts). */
export interface EventRelay {
  send(stack: string, event: RequestEvent): Promise<void>;
  /** Events sent by other replicas. */
  subscribe(handler: (stack: string, event: RequestEvent) => void): Promise<void>;
}

/**
 * Shared mode: the parts every replica shares (service/shared/shared-parts.ts `openSharedParts`). Without
 * them the service is the embedded one (files, in-process queue and events).
 */
export interface SharedServiceParts {
  /** Request records in the shared database (every write a compare-and-swap there first). */
  records: DurableRecords;
  /** The reconcile queue over every replica (a key runs on one replica at a time, under a lease). */
  queue: (work: ReconcileWork, concurrency: number) => Promise<ReconcileQueue>;
  /** Request events (SSE) to and from the other replicas. */
  events: EventRelay;
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
  /** Service log: lines about one request carry its `stack`, `team` and `request` (service/log/logger.ts). */
  log?: LogFn;
  /** Cluster destinations whose Flux status is read back into each request's `Applied` condition. */
  clusters?: ClusterStatusSource[];
  /** Bytes of output kept per workflow step and generation (default 256 KiB); the rest is dropped with a marker. */
  maxStepLogBytes?: number;
  /** Requests of one team queued or reconciling at once (`plinth:limits.maxInFlightPerTeam`); more is a 429. */
  maxInFlightPerTeam?: number;
  /** The Marketplace (promises/marketplace.ts), for `marketplace()`; passed in by the composition root. */
  catalogue?: readonly MarketplaceEntry[];
  /** Each destination's age private key, by name (a secret: never logged): previews and `plinth secret` decrypt with it. */
  sopsKeys?: () => Promise<Record<string, string>>;
  /** Shared mode (several replicas on one database); absent: the embedded mode. */
  shared?: SharedServiceParts;
}
