/**
 * The leased work queue of shared mode with real replica processes on one real Postgres: keys spread over
 * replicas and run once each, one replica at a time per key; a SIGKILLed replica's keys are resumed by the
 * others once its leases expire; a SIGTERMed replica hands its leases back at once.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import pg from "pg";
import { LeasedQueue } from "../../../service/shared/lease-queue";
import { startPostgres, type TestPostgres } from "../../support/postgres";

const root = path.resolve(__dirname, "../../..");
const script = path.join(root, "test/support/shared/queue-replica.ts");

let postgres: TestPostgres;
const children: ChildProcess[] = [];
let dbs = 0;

before(async () => {
  postgres = await startPostgres();
});

after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  await postgres?.stop();
});

function replica(url: string, name: string, env: Record<string, string> = {}): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", script], { cwd: root, env: { ...process.env, PLINTH_DATABASE_URL: url, REPLICA: name, ...env }, stdio: ["ignore", "pipe", "inherit"] });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.stdout!.setEncoding("utf8").on("data", (d: string) => d.includes("ready") && resolve(child));
    child.once("exit", (code) => reject(new Error(`replica ${name} exited (${code}) before it was ready`)));
  });
}

interface LogRow {
  key: string;
  replica: string;
  what: string;
}

async function waitFor(pool: pg.Pool, pred: (rows: LogRow[]) => boolean, ms = 60_000): Promise<LogRow[]> {
  const end = Date.now() + ms;
  for (;;) {
    const rows = (await pool.query<LogRow>("SELECT key, replica, what FROM queue_log ORDER BY at").catch(() => ({ rows: [] as LogRow[] }))).rows;
    if (pred(rows)) return rows;
    if (Date.now() > end) throw new Error(`timed out; log: ${JSON.stringify(rows)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function setUp(n: number, env: Record<string, string>): Promise<{ url: string; pool: pg.Pool; producer: LeasedQueue; procs: ChildProcess[] }> {
  const url = await postgres.database(`queue${++dbs}`);
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on("error", () => undefined);
  await pool.query("CREATE TABLE queue_log (key text, replica text, what text, at timestamptz DEFAULT clock_timestamp())");
  const procs = await Promise.all(Array.from({ length: n }, (_, i) => replica(url, `r${i + 1}`, env)));
  const producer = await LeasedQueue.open({ url, concurrency: 1, consume: false, work: async () => undefined });
  return { url, pool, producer, procs };
}

const count = (rows: LogRow[], key: string, what: string) => rows.filter((r) => r.key === key && r.what === what).length;

describe("leased work queue (pg-boss) over replica processes", () => {
  test("keys spread over three replicas and each runs once; a key added while it runs runs once more", async () => {
    const { pool, producer, procs } = await setUp(3, { WORK_MS: "300" });
    const keys = Array.from({ length: 24 }, (_, i) => `ns.kind.k${i}`);
    for (const k of keys) await producer.add(k);
    let rows = await waitFor(pool, (r) => keys.every((k) => count(r, k, "done") >= 1));
    for (const k of keys) assert.equal(count(rows, k, "start"), 1, `${k} ran once`);
    assert.ok(new Set(rows.map((r) => r.replica)).size >= 2, "work spread over replicas");

    await producer.add("ns.kind.again");
    await waitFor(pool, (r) => count(r, "ns.kind.again", "start") === 1);
    for (let i = 0; i < 5; i++) await producer.add("ns.kind.again");
    await waitFor(pool, (r) => count(r, "ns.kind.again", "done") === 2);
    await new Promise((r) => setTimeout(r, 1500));
    rows = await waitFor(pool, () => true);
    assert.equal(count(rows, "ns.kind.again", "start"), 2, "five adds while running coalesce into one more run");
    await producer.stop();
    for (const p of procs) p.kill("SIGKILL");
    await pool.end();
  });

  test("a SIGKILLed replica's keys are resumed by the others; nothing lost, nothing finished twice", async () => {
    const { pool, producer, procs } = await setUp(3, { WORK_MS: "2500" });
    const keys = Array.from({ length: 12 }, (_, i) => `ns.kind.f${i}`);
    for (const k of keys) await producer.add(k);
    const started = await waitFor(pool, (r) => r.some((x) => x.replica === "r1" && x.what === "start"));
    const victimKeys = started.filter((r) => r.replica === "r1" && r.what === "start").map((r) => r.key);
    procs[0].kill("SIGKILL");
    const rows = await waitFor(pool, (r) => keys.every((k) => count(r, k, "done") >= 1), 90_000);
    for (const k of keys) assert.equal(count(rows, k, "done"), 1, `${k} finished exactly once`);
    for (const k of victimKeys) {
      const done = rows.find((r) => r.key === k && r.what === "done")!;
      assert.notEqual(done.replica, "r1", `${k}, in flight on the killed replica, was finished elsewhere`);
    }
    await producer.stop();
    for (const p of procs.slice(1)) p.kill("SIGKILL");
    await pool.end();
  });

  test("graceful shutdown hands leases back: another replica takes the key at once", async () => {
    const { pool, producer, procs } = await setUp(2, { WORK_MS: "60000", GRACE_MS: "300", CONCURRENCY: "1" });
    await producer.add("ns.kind.g");
    const first = await waitFor(pool, (r) => count(r, "ns.kind.g", "start") === 1);
    const holder = first[0].replica;
    const proc = procs[holder === "r1" ? 0 : 1];
    const exited = new Promise((r) => proc.once("exit", r));
    proc.kill("SIGTERM");
    await exited;
    // Handed back, not expired: well inside one heartbeat (10 s) plus a monitor pass.
    const rows = await waitFor(pool, (r) => count(r, "ns.kind.g", "start") === 2, 8_000);
    assert.notEqual(rows.filter((r) => r.what === "start")[1].replica, holder);
    await producer.stop();
    for (const p of procs) p.kill("SIGKILL");
    await pool.end();
  });
});
