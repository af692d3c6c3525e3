/**
 * The change feed of all requests: every write (create, spec or metadata change, status change, removal)
 * gets the next resource version, and the last `limit` changes are kept in memory so a watcher can resume
 * from a resource version it saw (Kubernetes `?watch=true&resourceVersion=`). Older ones answer 410
 * `Expired`, as a Kubernetes API server does once etcd compacted them: the client lists again.
 *
 * Resource versions are the store's (decimal strings that only grow, also across restarts); the feed
 * records each write with the version the store gave it.
 */
import { EventEmitter } from "node:events";
import { HTTP_STATUS, PlinthError } from "../../components/errors";
import type { RequestObject } from "./types";

export type ChangeType = "ADDED" | "MODIFIED" | "DELETED";

export interface Change {
  /** The resource version this change produced. */
  revision: number;
  type: ChangeType;
  /** The whole object after the change (before removal for `DELETED`). */
  object: RequestObject;
}

/** 410: the resource version asked for is older than the history kept. */
export class ExpiredError extends PlinthError {
  constructor(message: string, details?: unknown) {
    super("Expired", message, details, HTTP_STATUS.gone);
  }
}

export class ChangeFeed {
  private latest = 0;
  /** The version before the first recorded change (changes before it, e.g. of a previous process, are unknown). */
  private start: number | undefined;
  /** Whether old changes were dropped from the history. */
  private dropped = false;
  private readonly history: Change[] = [];
  private readonly emitter = new EventEmitter();

  constructor(private readonly limit = 1000) {
    this.emitter.setMaxListeners(0);
  }

  /** The resource version of the latest write (a list's `metadata.resourceVersion`). */
  current(): string {
    return String(this.latest);
  }

  /** A version seen without a change to record (objects loaded on start). */
  observe(resourceVersion: string): void {
    const v = Number(resourceVersion);
    if (Number.isSafeInteger(v) && v > this.latest) this.latest = v;
  }

  /** Records a write; `object.metadata.resourceVersion` is the version it produced. Tells the listeners. */
  record(type: ChangeType, object: RequestObject): void {
    const change: Change = { revision: Number(object.metadata.resourceVersion), type, object };
    this.start ??= this.latest;
    this.observe(object.metadata.resourceVersion);
    this.history.push(change);
    if (this.history.length > this.limit) {
      this.history.splice(0, this.history.length - this.limit);
      this.dropped = true;
    }
    this.emitter.emit("change", change);
  }

  /**
   * Every change after `since` (replayed first, in order), then live ones, until the returned function
   * is called. `since` undefined: live changes only. A `since` older than the kept history: 410.
   */
  subscribe(since: string | undefined, listener: (c: Change) => void): () => void {
    if (since !== undefined) {
      const from = Number(since);
      if (!Number.isSafeInteger(from) || from < 0) {
        throw new PlinthError("BadRequest", `resourceVersion "${since}" is not a valid resource version`, { resourceVersion: since }, HTTP_STATUS.badRequest);
      }
      const floor = this.dropped ? this.history[0].revision - 1 : (this.start ?? this.latest);
      if (from < floor) throw new ExpiredError(`too old resource version: ${since} (${floor})`, { resourceVersion: since });
      if (from > this.latest) {
        throw new ExpiredError(`too large resource version: ${since}, current: ${this.latest}`, { resourceVersion: since });
      }
      for (const c of this.history) if (c.revision > from) listener(c);
    }
    this.emitter.on("change", listener);
    return () => this.emitter.off("change", listener);
  }
}
