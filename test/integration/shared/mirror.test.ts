/**
 * The request store's in-memory mirror in shared mode (RequestStore over SharedRecords), two "replicas"
 * in one process on a real Postgres: each write is a compare-and-swap in Postgres first, the other
 * mirror follows through NOTIFY (and its change feed with the same versions), sensitive fields are sealed
 * in the database, and after a Postgres restart the mirrors converge again (reload on reconnect).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import pg from "pg";
import { EngineWorkspace } from "../../../service/engine";
import { ChangeFeed, type Change } from "../../../service/core/changes";
import { RequestStore, StaleRecordError, emptyStatus, type StoredRequest } from "../../../service/core/store";
import type { SpecCodec } from "../../../service/core/sealed-spec";
import { PgRecords } from "../../../service/shared/pg-records";
import { PgListener } from "../../../service/shared/pg-notify";
import { SharedRecords } from "../../../service/shared/shared-parts";
import { startPostgres, type TestPostgres } from "../../support/postgres";

function request(name: string, spec: Record<string, unknown> = { team: "a" }): StoredRequest {
  return {
    object: {
      apiVersion: "plinth.dev/v1alpha1",
      kind: "TeamNamespace",
      metadata: { name, namespace: "default", generation: 1, uid: `uid-${name}`, creationTimestamp: new Date().toISOString(), resourceVersion: "" },
      spec,
    },
    promise: "namespace",
    status: emptyStatus(),
    stackCreated: false,
  };
}

/** Seals `spec.password` as `sealed:<base64>` (a stand-in for sealed-spec.ts, which needs a Promise). */
const codec: SpecCodec = {
  seal: (_p, o) => (typeof o.spec.password === "string" ? { ...o, spec: { ...o.spec, password: `sealed:${Buffer.from(o.spec.password).toString("base64")}` } } : o),
  unseal: (_p, o) =>
    typeof o.spec.password === "string" && o.spec.password.startsWith("sealed:") ? { ...o, spec: { ...o.spec, password: Buffer.from(o.spec.password.slice(7), "base64").toString() } } : o,
};

async function until<T>(what: string, probe: () => T | undefined | false): Promise<T> {
  const end = Date.now() + 20_000;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("RequestStore mirror in shared mode (real Postgres)", () => {
  let postgres: TestPostgres;
  let url: string;
  const closers: (() => Promise<void>)[] = [];
  const dirs: string[] = [];
  let a: RequestStore;
  let b: RequestStore;
  const feedB = new ChangeFeed();

  async function replica(feed?: ChangeFeed): Promise<RequestStore> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plinth-mirror-"));
    dirs.push(dir);
    const ws = new EngineWorkspace({ pulumi: "/nonexistent/pulumi", backendUrl: `file://${dir}/state`, workDir: path.join(dir, "requests"), project: "p", passphrase: "x" });
    const pool = new pg.Pool({ connectionString: url, max: 4 });
    pool.on("error", () => undefined);
    const listener = new PgListener(url, { retryMs: 200 });
    closers.push(async () => {
      await listener.close();
      await pool.end();
    });
    const store = new RequestStore(ws, () => undefined, feed, codec, new SharedRecords(await PgRecords.open(pool), listener));
    await store.open();
    return store;
  }

  before(async () => {
    postgres = await startPostgres();
    url = await postgres.database("mirror");
    a = await replica();
    b = await replica(feedB);
  });
  after(async () => {
    for (const c of closers) await c();
    await postgres?.stop();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  test("writes on A reach B's mirror and feed with the same versions; a stale write is refused", async () => {
    const changes: Change[] = [];
    const stop = feedB.subscribe(undefined, (c) => changes.push(c));
    const created = await a.create(request("m1", { team: "a", password: "hunter2" }));
    const seen = await until("B to see the create", () => b.getByStack("default.teamnamespace.m1"));
    assert.equal(seen.object.metadata.resourceVersion, created.object.metadata.resourceVersion);
    assert.equal(seen.object.spec.password, "hunter2", "unsealed in memory");
    const row = await new pg.Client({ connectionString: url });
    await row.connect();
    const stored = await row.query("SELECT object FROM plinth_requests WHERE stack = $1", ["default.teamnamespace.m1"]);
    await row.end();
    assert.match(JSON.stringify(stored.rows[0].object), /sealed:/, "sealed in the database");
    assert.doesNotMatch(JSON.stringify(stored.rows[0].object), /hunter2/);

    // B writes on what it read; A, holding the older version, is refused even though its mirror may lag.
    const byB = await b.write({ ...seen, object: { ...seen.object, spec: { ...seen.object.spec, team: "b" } } }, seen.object.metadata.resourceVersion);
    await assert.rejects(() => a.write({ ...created, object: { ...created.object, spec: { ...created.object.spec, team: "lost" } } }, created.object.metadata.resourceVersion), StaleRecordError);
    await until("A to see B's write", () => a.getByStack("default.teamnamespace.m1")?.object.spec.team === "b");
    // patch re-reads from Postgres: it applies on B's write whatever A's mirror holds.
    const patched = (await a.patch("default.teamnamespace.m1", (cur) => ({ status: { ...cur.status, message: `on ${cur.object.spec.team}` } })))!;
    assert.equal(patched.status.message, "on b");
    assert.ok(Number(patched.object.metadata.resourceVersion) > Number(byB.object.metadata.resourceVersion));
    await until("B to see A's patch", () => b.getByStack("default.teamnamespace.m1")?.status.message === "on b");

    await a.remove({ namespace: "default", kind: "TeamNamespace", name: "m1" }, "uid-m1");
    await until("B to see the delete", () => !b.getByStack("default.teamnamespace.m1"));
    stop();
    assert.deepEqual(
      changes.map((c) => c.type),
      ["ADDED", "MODIFIED", "MODIFIED", "DELETED"],
    );
    const revisions = changes.map((c) => c.revision);
    assert.deepEqual([...revisions].sort((x, y) => x - y), revisions, "versions grow across replicas");
  });

  test("after a Postgres restart both mirrors converge (a change B missed is reloaded)", async () => {
    await a.create(request("m2"));
    await until("B to see m2", () => b.getByStack("default.teamnamespace.m2"));
    await postgres.restart(300);
    // Written as soon as Postgres answers again: B's listener may still be reconnecting and miss it.
    let written: StoredRequest | undefined;
    for (;;) {
      try {
        written = (await a.patch("default.teamnamespace.m2", (cur) => ({ status: { ...cur.status, message: "after restart" } })))!;
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    await until("B to converge", () => b.getByStack("default.teamnamespace.m2")?.object.metadata.resourceVersion === written!.object.metadata.resourceVersion);
    assert.equal(b.getByStack("default.teamnamespace.m2")!.status.message, "after restart");
  });
});
