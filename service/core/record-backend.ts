/**
 * Where a `RequestStore` (the in-memory mirror every read is served from) makes its writes durable in
 * shared mode: a database every replica writes to (`service/shared/shared-records.ts`, on Postgres).
 * Without one the store persists to its own files (the embedded mode of `npm start`).
 *
 * Contract: `create` refuses a taken name (409 AlreadyExists); `write` is compare-and-swap on
 * `resourceVersion` (`StaleRecordError`) and answers the record with its new version; versions come from
 * one sequence, so they are comparable across replicas; `remove` answers the version of the removal.
 * `watch` tells of every change by any replica (`rv` the version it produced) and, after the connection
 * came back, `onReconnect` (changes meanwhile may be missed: reload).
 */
import type { StoredRequest } from "./store";
import type { RequestKey } from "./types";

export interface RecordChange {
  op: "INSERT" | "UPDATE" | "DELETE";
  stack: string;
  rv: string;
}

export interface DurableRecords {
  load(): Promise<StoredRequest[]>;
  get(stack: string): Promise<StoredRequest | undefined>;
  create(rec: StoredRequest): Promise<StoredRequest>;
  write(rec: StoredRequest, expected: string): Promise<StoredRequest>;
  /** Removes the record with this uid; answers the removal's version (undefined: there was none). */
  remove(key: RequestKey, uid: string): Promise<string | undefined>;
  watch(onChange: (c: RecordChange) => void, onReconnect: () => void): Promise<void>;
}
