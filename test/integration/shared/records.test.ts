/**
 * The record store contract on both backends (the embedded file store and Postgres): compare-and-swap on
 * resourceVersion, AlreadyExists, frozen snapshots, reload; on Postgres also two "replicas" (two pools)
 * racing, change notifications between them, and a clear 503 while the server is down.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import pg from "pg";
import { ConflictError } from "../../../components/errors";
import { EngineWorkspace } from "../../../service/engine";
import { RequestStore, StaleRecordError, emptyStatus, type StoredRequest } from "../../../service/core/store";
import { FileRecords, type RecordStore } from "../../../service/shared/records";
import { PgRecords, REQUESTS_CHANNEL } from "../../../service/shared/pg-records";
import { EventBus, PgListener, type BusEvent } from "../../../service/shared/pg-notify";
import { UnavailableError } from "../../../service/shared/errors";
import { startPostgres, type TestPostgres } from "../../support/postgres";

function request(name: string): StoredRequest {
  return {
    object: {
      apiVersion: "plinth.dev/v1alpha1",
      kind: "TeamNamespace",
      metadata: { name, namespace: "default", generation: 1, uid: `uid-${name}`, creationTimestamp: new Date().toISOString(), resourceVersion: "" },
      spec: { team: "a" },
    },
    promise: "namespace",
    status: emptyStatus(),
    stackCreated: false,
  };
}

let postgres: TestPostgres;
const dirs: string[] = [];
const opened: RecordStore[] = [];
let dbCount = 0;

interface Backend {
  name: string;
  /** A store; `again()` opens a second one on the same data (a restart, or another replica). */
  open(): Promise<{ store: RecordStore; again: () => Promise<RecordStore> }>;
}

const backends: Backend[] = [
  {
    name: "file",
    async open() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plinth-records-"));
      dirs.push(dir);
      const ws = new EngineWorkspace({ pulumi: "/nonexistent/pulumi", backendUrl: `file://${dir}/state`, workDir: path.join(dir, "requests"), project: "p", passphrase: "x" });
      const store = new FileRecords(new RequestStore(ws));
      return { store, again: async () => new FileRecords(new RequestStore(ws)) };
    },
  },
  {
    name: "postgres",
    async open() {
      const url = await postgres.database(`records${++dbCount}`);
      const store = await PgRecords.open(url);
      opened.push(store);
      return {
        store,
        again: async () => {
          const s = await PgRecords.open(url);
          opened.push(s);
          return s;
        },
      };
    },
  },
];

before(async () => {
  postgres = await startPostgres();
});

after(async () => {
  for (const s of opened) await s.close().catch(() => undefined);
  await postgres?.stop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

for (const backend of backends) {
  describe(`record store (${backend.name})`, () => {
    test("every write gets a new resourceVersion; a write naming an older one is refused and changes nothing", async () => {
      const { store } = await backend.open();
      const created = await store.create(request("a"));
      const v1 = created.object.metadata.resourceVersion;
      assert.match(v1, /^\d+$/);
      await assert.rejects(store.create(request("a")), (e: unknown) => e instanceof ConflictError && e.code === "AlreadyExists");

      const spec2 = await store.write({ ...created, object: { ...created.object, spec: { team: "b" }, metadata: { ...created.object.metadata, generation: 2 } } }, v1);
      const v2 = spec2.object.metadata.resourceVersion;
      assert.ok(Number(v2) > Number(v1));
      const status = (await store.patch("default.teamnamespace.a", (cur) => ({ status: { ...cur.status, message: "working" } })))!;
      const v3 = status.object.metadata.resourceVersion;
      assert.ok(Number(v3) > Number(v2), "a status write is a write too");

      const stale = store.write({ ...created, status: { ...created.status, message: "old" } }, v1);
      await assert.rejects(stale, (e: unknown) => e instanceof StaleRecordError && e.code === "Conflict" && e.status === 409 && /re-read it and retry/.test(e.message));
      const now = (await store.get("default.teamnamespace.a"))!;
      assert.equal(now.object.spec.team, "b");
      assert.equal(now.status.message, "working");
      assert.equal(now.object.metadata.resourceVersion, v3);
      assert.ok(Object.isFrozen(now) && Object.isFrozen(now.object.metadata) && Object.isFrozen(now.status), "records are immutable snapshots");
      await assert.rejects(store.write(request("missing"), "1"), StaleRecordError);
    });

    test("a reload (or another replica) sees the newest object, status and version; later versions stay larger", async () => {
      const { store, again } = await backend.open();
      const rec = await store.create(request("b"));
      const written = await store.write({ ...rec, object: { ...rec.object, spec: { team: "c" } } }, rec.object.metadata.resourceVersion);
      const last = (await store.patch("default.teamnamespace.b", (cur) => ({ status: { ...cur.status, observedGeneration: 1 }, stackCreated: true })))!;
      assert.notEqual(written.object.metadata.resourceVersion, last.object.metadata.resourceVersion);

      const other = await again();
      const [loaded] = await other.load();
      assert.equal(loaded.object.spec.team, "c");
      assert.equal(loaded.status.observedGeneration, 1);
      assert.equal(loaded.stackCreated, true);
      assert.equal(loaded.object.metadata.resourceVersion, last.object.metadata.resourceVersion);
      const next = (await other.patch("default.teamnamespace.b", (cur) => ({ status: { ...cur.status, message: "x" } })))!;
      assert.ok(Number(next.object.metadata.resourceVersion) > Number(last.object.metadata.resourceVersion));

      await other.remove({ namespace: "default", kind: "TeamNamespace", name: "b" }, "not-its-uid");
      assert.ok(await other.get("default.teamnamespace.b"), "only the record with that uid is removed");
      await other.remove({ namespace: "default", kind: "TeamNamespace", name: "b" }, "uid-b");
      assert.equal(await other.get("default.teamnamespace.b"), undefined);
    });
  });
}

describe("record store (postgres, shared by replicas)", () => {
  test("replicas racing on one record: every patch lands exactly once, no write lost", async () => {
    const { store, again } = await backends[1].open();
    const other = await again();
    await store.create(request("race"));
    const bump = (s: RecordStore) => s.patch("default.teamnamespace.race", (cur) => ({ status: { ...cur.status, observedGeneration: cur.status.observedGeneration + 1 } }));
    await Promise.all(Array.from({ length: 10 }, (_, i) => bump(i % 2 ? store : other)));
    assert.equal((await store.get("default.teamnamespace.race"))!.status.observedGeneration, 10);
  });

  test("every change is announced to the other replicas; events cross replicas", async () => {
    const url = await postgres.database("notify");
    const store = await PgRecords.open(url);
    opened.push(store);
    const listener = new PgListener(url);
    const seen: { op: string; stack: string; rv: string }[] = [];
    await listener.listen(REQUESTS_CHANNEL, (p) => seen.push(p as (typeof seen)[0]));
    const pool = new pg.Pool({ connectionString: url });
    const a = new EventBus(pool, listener, "replica-a");
    const b = new EventBus(pool, new PgListener(url), "replica-b");
    const atB: BusEvent[] = [];
    await b.subscribe((e) => atB.push(e));

    const rec = await store.create(request("n"));
    await a.send("default.teamnamespace.n", { type: "status", data: { message: "hello" } });
    await a.send("default.teamnamespace.n", { type: "log", data: "x".repeat(10_000) });
    const deadline = Date.now() + 5000;
    while ((seen.length < 1 || atB.length < 2) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(seen[0], { op: "INSERT", stack: "default.teamnamespace.n", rv: rec.object.metadata.resourceVersion });
    assert.deepEqual(atB[0], { stack: "default.teamnamespace.n", type: "status", data: { message: "hello" }, from: "replica-a" });
    assert.equal(atB[1].truncated, true, "an event too large for a notification goes out without its data");
    await listener.close();
    await pool.end();
  });

  test("while Postgres is down a write is a clear 503 that changed nothing; after it is back, writes work and listeners resume", async () => {
    const url = await postgres.database("outage");
    const store = await PgRecords.open(url);
    opened.push(store);
    const listener = new PgListener(url, { retryMs: 100 });
    const seen: string[] = [];
    let reconnects = 0;
    listener.onReconnect(() => reconnects++);
    await listener.listen(REQUESTS_CHANNEL, (p) => seen.push((p as { stack: string }).stack));
    const rec = await store.create(request("o"));
    for (const end = Date.now() + 5000; seen.length === 0 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 20));

    await postgres.halt();
    try {
      await assert.rejects(
        store.write({ ...rec, status: { ...rec.status, message: "lost?" } }, rec.object.metadata.resourceVersion),
        (e: unknown) => e instanceof UnavailableError && e.status === 503 && /cannot be reached.*nothing was changed/.test(e.message),
      );
      assert.equal(await store.ping(), false);
    } finally {
      await postgres.start();
    }
    const deadline = Date.now() + 10_000;
    while (!(await store.ping()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const cur = (await store.get("default.teamnamespace.o"))!;
    assert.equal(cur.status.message, "", "the refused write changed nothing");
    // Notifications sent while a listener is away are lost (it re-reads on `onReconnect`): write once it is back.
    while (reconnects === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await store.write({ ...cur, status: { ...cur.status, message: "after" } }, cur.object.metadata.resourceVersion);
    while (seen.filter((s) => s === "default.teamnamespace.o").length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(reconnects >= 1, "the listener reconnected");
    assert.equal(seen.length, 2, "it hears writes again after the restart");
    await listener.close();
  });
});
