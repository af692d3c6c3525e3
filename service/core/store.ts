/**
 * Where requests live: each request's object is the config of its own Pulumi stack (the stack settings
 * file, written before the API answers 202), its status a JSON file beside it. Everything is also held in
 * memory; the files are what survives a restart.
 *
 * Records are immutable snapshots (frozen). Every write is compare-and-swap on `resourceVersion`: a writer
 * names the version it read and a stale write is refused with `StaleRecordError`, so nothing read before an
 * `await` can overwrite a newer record. Each write of object or status gets a new version (a counter, at
 * least the clock in microseconds so it also grows across restarts), persisted in both files; the newer wins
 * on load. A status file that does not parse is quarantined (`*.corrupt-<time>`) and the request reconciled
 * again from an empty status.
 *
 * Reads are synchronous (the in-memory mirror); writes are asynchronous. In shared mode (a
 * `DurableRecords` given, record-backend.ts) every write is a compare-and-swap in the database first,
 * then the mirror is updated; other replicas' changes arrive through `watch` and update the mirror (and
 * the change feed) too; the stack settings file is then only a cache written before a stack operation.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ConflictError } from "../../components/errors";
import type { EngineWorkspace } from "../engine";
import type { ChangeFeed, ChangeType } from "./changes";
import type { DurableRecords, RecordChange } from "./record-backend";
import type { SpecCodec } from "./sealed-spec";
import { stackNameOf } from "./keys";
import type { RequestKey, RequestObject, RequestStatus } from "./types";

export interface StoredRequest {
  readonly object: Omit<RequestObject, "status">;
  /** Name of the Promise serving it. */
  readonly promise: string;
  readonly status: RequestStatus;
  /** Whether its stack exists in the backend. */
  readonly stackCreated: boolean;
  /**
   * Shared mode: the stack's secrets settings (`secretsprovider`, `encryptedkey`: a data key wrapped by
   * the shared KMS key), kept with the record so any replica can write the stack's settings file.
   */
  readonly stackSettings?: Record<string, unknown>;
}

/** A write named a `resourceVersion` that is no longer the record's (or the record is gone). */
export class StaleRecordError extends ConflictError {
  constructor(key: RequestKey, expected: string, actual: string | undefined) {
    super(
      actual === undefined
        ? `${key.kind} "${key.name}" in namespace "${key.namespace}" no longer exists (you read resourceVersion ${expected}): re-read it and retry`
        : `${key.kind} "${key.name}" in namespace "${key.namespace}" was changed since it was read (resourceVersion ${expected}, now ${actual}): re-read it and retry`,
      { ...key, resourceVersion: expected, currentResourceVersion: actual ?? null },
      "Conflict",
    );
  }
}

export function emptyStatus(): RequestStatus {
  return { conditions: [], observedGeneration: 0, message: "", destinations: [], files: [], outputs: {} };
}

function freeze(rec: StoredRequest): StoredRequest {
  Object.freeze(rec.object.metadata);
  Object.freeze(rec.object);
  Object.freeze(rec.status);
  return Object.freeze(rec);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The fields a reconcile writes with `patch`. */
export type StatusFields = Partial<Pick<StoredRequest, "status" | "stackCreated" | "stackSettings">>;

/** How often `patch` re-reads after losing a compare-and-swap to another replica before it gives up. */
export const PATCH_ATTEMPTS = 8;

interface StatusFile {
  status: RequestStatus;
  stackCreated: boolean;
  resourceVersion?: string;
}

export class RequestStore {
  private readonly byStack = new Map<string, StoredRequest>();
  private readonly statusDir: string;
  private version = 0;

  constructor(
    private readonly workspace: EngineWorkspace,
    private readonly log: (line: string) => void = () => undefined,
    /** Told every write with its new resource version (watchers of many requests). */
    private readonly feed?: ChangeFeed,
    /** Seals sensitive spec fields in the stack config on disk (sealed-spec.ts), and in the database. */
    private readonly codec?: SpecCodec,
    /** Shared mode: where writes are made durable (record-backend.ts); the files are then a cache. */
    private readonly durable?: DurableRecords,
  ) {
    this.statusDir = path.join(workspace.options.workDir, "status");
    fs.mkdirSync(this.statusDir, { recursive: true });
  }

  /** Whether the records live in a shared database (shared mode). */
  get shared(): boolean {
    return this.durable !== undefined;
  }

  private nextVersion(): string {
    this.version = Math.max(this.version + 1, Date.now() * 1000);
    return String(this.version);
  }

  /**
   * Loads every stored request (on start): from the files, or in shared mode from the database, then
   * follows the other replicas' changes.
   */
  async open(): Promise<StoredRequest[]> {
    if (!this.durable) return this.load();
    await this.durable.watch(
      (c) => void this.remoteChange(c).catch((err: Error) => this.log(`request ${c.stack} changed elsewhere, re-read failed: ${err.message}`)),
      () => void this.reload().catch((err: Error) => this.log(`reloading the requests after a reconnect failed: ${err.message}`)),
    );
    await this.reload();
    return this.all();
  }

  /** Loads every request found in the workspace files (embedded mode). */
  load(): StoredRequest[] {
    const dir = this.workspace.options.workDir;
    for (const f of fs.readdirSync(dir)) {
      const m = /^Pulumi\.(.+)\.yaml$/.exec(f);
      if (!m) continue;
      const config = this.workspace.readConfig(m[1]);
      if (!config["plinth:request"]) continue;
      const promise = String(config["plinth:promise"]);
      const parsed = JSON.parse(String(config["plinth:request"])) as Omit<RequestObject, "status">;
      const object = this.codec ? this.codec.unseal(promise, parsed) : parsed;
      const saved = this.readStatusFile(m[1]);
      const versions = [object.metadata.resourceVersion, saved?.resourceVersion].map((v) => Number(v ?? 0)).filter((v) => Number.isSafeInteger(v));
      const newest = Math.max(0, ...versions);
      this.version = Math.max(this.version, newest);
      this.feed?.observe(String(this.version));
      this.byStack.set(
        m[1],
        freeze({
          object: { ...object, metadata: { ...object.metadata, resourceVersion: newest > 0 ? String(newest) : this.nextVersion() } },
          promise,
          status: saved?.status ?? emptyStatus(),
          stackCreated: saved?.stackCreated ?? false,
        }),
      );
    }
    return [...this.byStack.values()];
  }

  /** A request's saved status; one that does not parse is renamed aside, logged, and treated as absent. */
  private readStatusFile(stack: string): StatusFile | undefined {
    const file = path.join(this.statusDir, `${stack}.json`);
    let text: string;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch {
      return undefined;
    }
    try {
      const saved = JSON.parse(text) as unknown;
      if (isRecord(saved) && isRecord(saved.status) && Array.isArray(saved.status.conditions)) return saved as unknown as StatusFile;
      throw new Error("not a status record");
    } catch (err) {
      const aside = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, "-")}`;
      fs.renameSync(file, aside);
      this.log(`status of ${stack} is unreadable (${(err as Error).message.split("\n")[0]}): moved to ${path.basename(aside)}; the request will be reconciled again`);
      return undefined;
    }
  }

  get(key: RequestKey): StoredRequest | undefined {
    return this.byStack.get(stackNameOf(key));
  }

  getByStack(stack: string): StoredRequest | undefined {
    return this.byStack.get(stack);
  }

  all(): StoredRequest[] {
    return [...this.byStack.values()];
  }

  /** Stores a new request (persisted before the promise resolves, so before the API answers); 409 when the name is taken. */
  async create(rec: StoredRequest): Promise<StoredRequest> {
    const key = keyOf(rec);
    const stack = stackNameOf(key);
    if (this.byStack.has(stack)) throw new ConflictError(`${key.kind} "${key.name}" already exists in namespace "${key.namespace}"`, key, "AlreadyExists");
    if (this.durable) return this.mirror(stack, this.fromDurable(await this.durable.create(this.toDurable(rec))), "ADDED");
    const stored = freeze({ ...rec, object: { ...rec.object, metadata: { ...rec.object.metadata, resourceVersion: this.nextVersion() } } });
    this.writeObjectFile(stack, stored);
    this.byStack.set(stack, stored);
    this.feed?.record("ADDED", { ...stored.object, status: stored.status });
    return stored;
  }

  /**
   * Compare-and-swap: replaces the record when its `resourceVersion` is still `expected`, else rejects
   * with `StaleRecordError`. Persists the object and/or the status, whichever changed; answers the new record.
   */
  async write(rec: StoredRequest, expected: string): Promise<StoredRequest> {
    const key = keyOf(rec);
    const stack = stackNameOf(key);
    // Shared mode: the database decides (this mirror may lag another replica's write by milliseconds).
    if (this.durable) return this.mirror(stack, this.fromDurable(await this.durable.write(this.toDurable(rec), expected)), "MODIFIED");
    const current = this.byStack.get(stack);
    if (!current || current.object.metadata.resourceVersion !== expected) throw new StaleRecordError(key, expected, current?.object.metadata.resourceVersion);
    const objectChanged = rec.object !== current.object;
    const stored = freeze({ ...rec, object: { ...rec.object, metadata: { ...rec.object.metadata, resourceVersion: this.nextVersion() } } });
    if (objectChanged) this.writeObjectFile(stack, stored);
    if (!objectChanged || rec.status !== current.status || rec.stackCreated !== current.stackCreated) this.writeStatusFile(stack, stored);
    this.byStack.set(stack, stored);
    this.feed?.record("MODIFIED", { ...stored.object, status: stored.status });
    return stored;
  }

  /**
   * Read-modify-write of the fields a reconcile owns (status, stackCreated) on the record as it is now:
   * `change` gets the current record; answers the new record, or undefined when the request is gone or
   * `change` answers undefined (nothing to write). In shared mode the record is read from the database
   * and the write retried while another replica's write wins the compare-and-swap.
   */
  async patch(stack: string, change: (current: StoredRequest) => StatusFields | undefined): Promise<StoredRequest | undefined> {
    for (let attempt = 1; ; attempt++) {
      const current = this.durable ? await this.refresh(stack) : this.byStack.get(stack);
      if (!current) return undefined;
      const fields = change(current);
      if (!fields) return undefined;
      try {
        return await this.write({ ...current, ...fields }, current.object.metadata.resourceVersion);
      } catch (err) {
        if (!this.durable || !(err instanceof StaleRecordError) || attempt >= PATCH_ATTEMPTS) throw err;
      }
    }
  }

  /**
   * Writes the current object to its stack config again (`stack init` rewrites the settings file). In
   * shared mode this is how the settings file (a cache) is written before a stack operation.
   */
  async restoreObject(stack: string): Promise<void> {
    const current = this.byStack.get(stack);
    if (!current) return;
    if (current.stackSettings) this.workspace.writeSettingsCache(stack, current.stackSettings);
    this.writeObjectFile(stack, current);
  }

  /** Forgets a request whose stack was removed (only the record with this uid). */
  async remove(key: RequestKey, uid: string): Promise<void> {
    const stack = stackNameOf(key);
    if (this.durable) {
      const rv = await this.durable.remove(key, uid);
      const gone = this.byStack.get(stack);
      if (rv !== undefined && gone?.object.metadata.uid === uid) this.forget(stack, gone, rv);
      return;
    }
    const gone = this.byStack.get(stack);
    if (gone?.object.metadata.uid !== uid) return;
    this.forget(stack, gone, this.nextVersion());
  }

  /**
   * Shared mode: the record as the database has it now, put in the mirror when newer (a replica reads it
   * before it reconciles the key: the mirror may lag). Embedded: the mirror's.
   */
  async refresh(stack: string): Promise<StoredRequest | undefined> {
    if (!this.durable) return this.byStack.get(stack);
    const got = await this.durable.get(stack);
    const cur = this.byStack.get(stack);
    if (!got) {
      if (cur) this.forget(stack, cur, this.nextVersion());
      return undefined;
    }
    return this.mirror(stack, this.fromDurable(got), cur ? "MODIFIED" : "ADDED");
  }

  /** Another replica changed `c.stack` (shared mode). */
  private async remoteChange(c: RecordChange): Promise<void> {
    const cur = this.byStack.get(c.stack);
    if (cur && Number(cur.object.metadata.resourceVersion) >= Number(c.rv)) return; // seen (our own write)
    if (c.op === "DELETE") {
      if (cur) this.forget(c.stack, cur, c.rv);
      return;
    }
    await this.refresh(c.stack);
  }

  /** Reads every record again (start, and after the change stream reconnected). */
  private async reload(): Promise<void> {
    const rows = (await this.durable!.load()).map((r) => this.fromDurable(r));
    const seen = new Set<string>();
    for (const r of rows) {
      const stack = stackNameOf(keyOf(r));
      seen.add(stack);
      this.mirror(stack, r, this.byStack.has(stack) ? "MODIFIED" : "ADDED");
    }
    for (const [stack, r] of [...this.byStack]) if (!seen.has(stack)) this.forget(stack, r, this.nextVersion());
  }

  /** Puts a record read from (or written to) the database in the mirror, unless the mirror has a newer one. */
  private mirror(stack: string, rec: StoredRequest, type: ChangeType): StoredRequest {
    const cur = this.byStack.get(stack);
    const v = Number(rec.object.metadata.resourceVersion);
    if (cur && Number(cur.object.metadata.resourceVersion) >= v) return cur.object.metadata.resourceVersion === rec.object.metadata.resourceVersion ? cur : rec;
    this.version = Math.max(this.version, v);
    this.byStack.set(stack, rec);
    this.feed?.record(type, { ...rec.object, status: rec.status });
    return rec;
  }

  private forget(stack: string, gone: StoredRequest, rv: string): void {
    this.version = Math.max(this.version, Number(rv) || 0);
    this.byStack.delete(stack);
    this.feed?.record("DELETED", { ...gone.object, metadata: { ...gone.object.metadata, resourceVersion: rv }, status: gone.status });
    fs.rmSync(path.join(this.statusDir, `${stack}.json`), { force: true });
    fs.rmSync(this.workspace.settingsFile(stack), { force: true });
  }

  private toDurable(rec: StoredRequest): StoredRequest {
    return this.codec ? { ...rec, object: this.codec.seal(rec.promise, rec.object) } : rec;
  }

  private fromDurable(rec: StoredRequest): StoredRequest {
    return this.codec ? freeze({ ...rec, object: this.codec.unseal(rec.promise, rec.object) }) : rec;
  }

  private writeObjectFile(stack: string, rec: StoredRequest): void {
    const object = this.codec ? this.codec.seal(rec.promise, rec.object) : rec.object;
    this.workspace.writeConfig(stack, { "plinth:request": JSON.stringify(object), "plinth:promise": rec.promise });
  }

  private writeStatusFile(stack: string, rec: StoredRequest): void {
    const file = path.join(this.statusDir, `${stack}.json`);
    const tmp = `${file}.tmp-${process.pid}`;
    const saved: StatusFile = { status: rec.status, stackCreated: rec.stackCreated, resourceVersion: rec.object.metadata.resourceVersion };
    fs.writeFileSync(tmp, JSON.stringify(saved));
    fs.renameSync(tmp, file);
  }
}

export function keyOf(rec: StoredRequest): RequestKey {
  return { namespace: rec.object.metadata.namespace, kind: rec.object.kind, name: rec.object.metadata.name };
}
