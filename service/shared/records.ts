/**
 * The request record store as an asynchronous interface, so one contract holds for both backends:
 * the embedded file store (`FileRecords`, over `RequestStore`) and Postgres (`PgRecords`, shared mode).
 *
 * Same rules as `RequestStore`: records are frozen snapshots; `create` refuses a taken name (409
 * AlreadyExists); `write` is compare-and-swap on `resourceVersion` (`StaleRecordError`, 409 Conflict)
 * and every write gets a new, larger version; `patch` is a read-modify-write that re-reads and retries
 * when another writer (another replica) got there first.
 */
import { stackNameOf } from "../core/keys";
import { RequestStore, StaleRecordError, keyOf, type StoredRequest } from "../core/store";
import type { RequestKey } from "../core/types";

export type StatusFields = Partial<Pick<StoredRequest, "status" | "stackCreated">>;

export interface RecordStore {
  /** Every stored request (on start). */
  load(): Promise<StoredRequest[]>;
  get(stack: string): Promise<StoredRequest | undefined>;
  create(rec: StoredRequest): Promise<StoredRequest>;
  write(rec: StoredRequest, expected: string): Promise<StoredRequest>;
  /** Read-modify-write of a reconcile's fields on the record as it is now (undefined: gone or nothing to write). */
  patch(stack: string, change: (current: StoredRequest) => StatusFields | undefined): Promise<StoredRequest | undefined>;
  /** Forgets the request (only the record with this uid). */
  remove(key: RequestKey, uid: string): Promise<string | undefined | void>;
  close(): Promise<void>;
}

/** How often `patch` re-reads after losing a compare-and-swap to another writer before it gives up. */
export const PATCH_ATTEMPTS = 8;

/** `patch` over `get` + `write`, retried while another writer wins the race. */
export async function patchWithRetry(
  store: Pick<RecordStore, "get" | "write">,
  stack: string,
  change: (current: StoredRequest) => StatusFields | undefined,
): Promise<StoredRequest | undefined> {
  for (let attempt = 1; ; attempt++) {
    const current = await store.get(stack);
    if (!current) return undefined;
    const fields = change(current);
    if (!fields) return undefined;
    try {
      return await store.write({ ...current, ...fields }, current.object.metadata.resourceVersion);
    } catch (err) {
      if (!(err instanceof StaleRecordError) || attempt >= PATCH_ATTEMPTS) throw err;
    }
  }
}

/** The embedded backend: the file store of `npm start`, behind the asynchronous contract. */
export class FileRecords implements RecordStore {
  constructor(readonly store: RequestStore) {}

  async load(): Promise<StoredRequest[]> {
    return this.store.load();
  }

  async get(stack: string): Promise<StoredRequest | undefined> {
    return this.store.getByStack(stack);
  }

  async create(rec: StoredRequest): Promise<StoredRequest> {
    return this.store.create(rec);
  }

  async write(rec: StoredRequest, expected: string): Promise<StoredRequest> {
    return this.store.write(rec, expected);
  }

  async patch(stack: string, change: (current: StoredRequest) => StatusFields | undefined): Promise<StoredRequest | undefined> {
    return this.store.patch(stack, change);
  }

  async remove(key: RequestKey, uid: string): Promise<void> {
    await this.store.remove(key, uid);
  }

  async close(): Promise<void> {}
}

export { keyOf, stackNameOf };
