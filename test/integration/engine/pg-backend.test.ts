/**
 * Pulumi state in Postgres (shared mode): the pinned CLI's DIY `postgres://` backend, real embedded
 * Postgres. Two replicas (two workspaces, two working directories, one backend and one passphrase) run
 * the same stack in turn; a lock left by a dead replica is recovered once its lease ran out, a live one
 * is kept, and a running operation keeps its lock row fresh.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import pg from "pg";
import * as pulumi from "@pulumi/pulumi";
import { EngineWorkspace, OperationError } from "../../../service/engine";
import { pinnedToolchain } from "../../support/pulumi";
import { startPostgres, type TestPostgres } from "../../support/postgres";

describe("Pulumi state in Postgres (DIY backend), shared by replicas", () => {
  let postgres: TestPostgres;
  let url: string;
  let pool: pg.Pool;
  let dir: string;
  let a: EngineWorkspace;
  let b: EngineWorkspace;
  const project = "plinth-pg";

  before(async () => {
    const tc = await pinnedToolchain();
    postgres = await startPostgres();
    url = await postgres.database("state");
    pool = new pg.Pool({ connectionString: url, max: 2 });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "plinth-pgstate-"));
    // One passphrase for every replica (production: one KMS key URL).
    const replica = (name: string) =>
      new EngineWorkspace({ pulumi: tc.pulumi, backendUrl: url, workDir: path.join(dir, name), project, passphrase: "shared-test-passphrase", env: { PULUMI_HOME: path.join(dir, "home") }, lockLeaseMs: 60_000 });
    a = replica("a");
    b = replica("b");
    await a.createStack("s");
  });

  after(async () => {
    await a?.close();
    await b?.close();
    await pool?.end();
    await postgres?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A lock row as the backend writes it, from a replica on another host, last bumped `ageMs` ago. */
  async function fabricateLock(ageMs: number, hostname = "replica-on-another-host"): Promise<string> {
    const key = `state/.pulumi/locks/organization/${project}/s/${crypto.randomUUID()}.json`;
    const content = Buffer.from(JSON.stringify({ pid: 4242, username: "plinth", hostname, timestamp: new Date(Date.now() - ageMs).toISOString() })).toString("base64");
    await pool.query("INSERT INTO pulumi_state (key, data, updated_at) VALUES ($1, $2, now() - make_interval(secs => $3))", [key, JSON.stringify({ data: content }), ageMs / 1000]);
    return key;
  }

  test("a stack updated by one replica is updated by another from the shared state (secrets too)", async () => {
    const first = await a.stack("s").up({ program: async () => ({ n: 1, hush: pulumi.secret("one") }) });
    assert.equal(first.outputs.n, 1);
    const second = await b.stack("s").up({ program: async () => ({ n: 2, hush: pulumi.secret("two") }) });
    assert.equal(second.outputs.n, 2);
    assert.deepEqual(await b.listStacks(), ["s"]);
    const keys = (await pool.query<{ key: string }>("SELECT key FROM pulumi_state")).rows.map((r) => r.key);
    assert.ok(keys.some((k) => k.endsWith(`.pulumi/stacks/${project}/s.json`)), keys.join(","));
    const state = (await pool.query<{ data: { data: string } }>("SELECT data FROM pulumi_state WHERE key LIKE '%/stacks/%/s.json'")).rows[0];
    assert.ok(!Buffer.from(state.data.data, "base64").toString().includes("two"), "the secret output is not stored in plaintext");
  });

  test("a dead replica's lock blocks `up` until its lease ran out; then it is recovered; a live replica's lock is kept", async () => {
    const live = await fabricateLock(1_000);
    assert.equal(await b.recoverLocks("s"), 0, "inside its lease: a live replica's");
    await pool.query("DELETE FROM pulumi_state WHERE key = $1", [live]);

    const dead = await fabricateLock(5 * 60_000);
    await assert.rejects(b.stack("s").up({ program: async () => ({ n: 3 }) }), (e: OperationError) => /locked/i.test(e.message));
    assert.equal(await b.recoverLocks("s"), 1);
    assert.equal((await pool.query("SELECT 1 FROM pulumi_state WHERE key = $1", [dead])).rowCount, 0);
    const res = await b.stack("s").up({ program: async () => ({ n: 3 }) });
    assert.equal(res.outputs.n, 3);
  });

  test("a lock left by a CLI process killed mid-`up` (SIGKILL) is recovered at a replica's start; the next `up` runs", async () => {
    let release!: () => void;
    const blocked = new Promise<void>((r) => (release = r));
    const running = a.stack("s").up({ program: async () => (await blocked, { n: 4 }) });
    let locks = await a.pgLocks!.list("s");
    for (let i = 0; i < 200 && locks.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      locks = await a.pgLocks!.list("s");
    }
    assert.equal(locks.length, 1, "the running up holds the stack's lock");
    process.kill(locks[0].pid, "SIGKILL");
    await assert.rejects(running);
    release();
    assert.equal((await b.pgLocks!.list()).length, 1, "the dead CLI's lock is left behind");
    assert.equal(await b.recoverAllLocks(), 1, "its pid is gone on this host: recovered at once");
    assert.equal((await b.pgLocks!.list()).length, 0);
    const res = await b.stack("s").up({ program: async () => ({ n: 5 }) });
    assert.equal(res.outputs.n, 5);
  });

  test("a running operation keeps its lock row fresh (heartbeat), and releases it", async () => {
    a.options.lockLeaseMs = 400;
    try {
      const seen: { touched: number }[] = [];
      await a.stack("s").up({
        program: async () => {
          const t0 = Date.now();
          while (Date.now() - t0 < 1500) {
            await new Promise((r) => setTimeout(r, 100));
            for (const l of await a.pgLocks!.list("s")) seen.push({ touched: l.touchedMs });
          }
          return {};
        },
      });
      assert.ok(seen.length > 0, "the lock was seen while up ran");
      assert.ok(new Set(seen.map((s) => s.touched)).size > 1, "its row was bumped while the operation ran");
      assert.equal((await a.pgLocks!.list("s")).length, 0, "released after the operation");
    } finally {
      a.options.lockLeaseMs = 60_000;
    }
  });
});
