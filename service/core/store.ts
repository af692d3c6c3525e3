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
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ConflictError } from "../../components/errors";
import type { EngineWorkspace } from "../engine";
import type { ChangeFeed } from "./changes";
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
    /** Seals sensitive spec fields in the stack config on disk (sealed-spec.ts). */
    private readonly codec?: SpecCodec,
  ) {
    this.statusDir = path.join(workspace.options.workDir, "status");
    fs.mkdirSync(this.statusDir, { recursive: true });
  }

  private nextVersion(): string {
    this.version = Math.max(this.version + 1, Date.now() * 1000);
    return String(this.version);
  }

  /** Loads every request found in the workspace (on start). */
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

  /** Stores a new request (its object persisted before the API answers); 409 when the name is taken. */
  create(rec: StoredRequest): StoredRequest {
    const key = keyOf(rec);
    const stack = stackNameOf(key);
    if (this.byStack.has(stack)) throw new ConflictError(`${key.kind} "${key.name}" already exists in namespace "${key.namespace}"`, key, "AlreadyExists");
    const stored = freeze({ ...rec, object: { ...rec.object, metadata: { ...rec.object.metadata, resourceVersion: this.nextVersion() } } });
    this.writeObjectFile(stack, stored);
    this.byStack.set(stack, stored);
    this.feed?.record("ADDED", { ...stored.object, status: stored.status });
    return stored;
  }

  /**
   * Compare-and-swap: replaces the record when its `resourceVersion` is still `expected`, else throws
   * `StaleRecordError`. Persists the object and/or the status, whichever changed; answers the new record.
   */
  write(rec: StoredRequest, expected: string): StoredRequest {
    const key = keyOf(rec);
    const stack = stackNameOf(key);
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
   * `change` answers undefined (nothing to write).
   */
  patch(stack: string, change: (current: StoredRequest) => Partial<Pick<StoredRequest, "status" | "stackCreated">> | undefined): StoredRequest | undefined {
    const current = this.byStack.get(stack);
    if (!current) return undefined;
    const fields = change(current);
    if (!fields) return undefined;
    return this.write({ ...current, ...fields }, current.object.metadata.resourceVersion);
  }

  /** Writes the current object to its stack config again (`stack init` rewrites the settings file). */
  restoreObject(stack: string): void {
    const current = this.byStack.get(stack);
    if (current) this.writeObjectFile(stack, current);
  }

  /** Forgets a request whose stack was removed (only the record with this uid). */
  remove(key: RequestKey, uid: string): void {
    const stack = stackNameOf(key);
    const gone = this.byStack.get(stack);
    if (gone?.object.metadata.uid !== uid) return;
    this.byStack.delete(stack);
    this.feed?.record("DELETED", { ...gone.object, metadata: { ...gone.object.metadata, resourceVersion: this.nextVersion() }, status: gone.status });
    fs.rmSync(path.join(this.statusDir, `${stack}.json`), { force: true });
    fs.rmSync(this.workspace.settingsFile(stack), { force: true });
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
