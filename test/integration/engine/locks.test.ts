import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { OperationError, type EngineWorkspace } from "../../../service/engine";
import { lockFiles } from "../../../service/engine/locks";
import { createTestEngine, type TestEngine } from "../../support/pulumi";

/** A lock as Pulumi's file backend writes it, from a replica on another host. */
function fabricateLock(backendDir: string, project: string, stack: string, ageMs: number, hostname = "replica-on-another-host"): string {
  const dir = path.join(backendDir, ".pulumi", "locks", "organization", project, stack);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${crypto.randomUUID()}.json`);
  const taken = new Date(Date.now() - ageMs);
  fs.writeFileSync(file, JSON.stringify({ pid: 4242, username: "plinth", hostname, timestamp: taken.toISOString() }));
  // The file backend (gocloud fileblob) keeps each blob's attributes in a sidecar file.
  fs.writeFileSync(`${file}.attrs`, JSON.stringify({ "user.content_type": "application/json" }));
  fs.utimesSync(file, taken, taken);
  return file;
}

describe("stack locks are leases (real engine, file backend)", () => {
  let engine: TestEngine;
  let ws: EngineWorkspace;
  let backendDir: string;
  const project = "plinth-locks";
  before(async () => {
    engine = await createTestEngine();
    backendDir = engine.backendUrl.slice("file://".length);
    ws = engine.workspace({ project });
    ws.options.lockLeaseMs = 60_000;
    await ws.createStack("s");
  });
  after(async () => engine?.cleanup());

  test("a lock left by a dead replica on another host blocks `up` until its lease ran out; then it is cleared and `up` runs", async () => {
    const lock = fabricateLock(backendDir, project, "s", 5 * 60_000);
    await assert.rejects(ws.stack("s").up({ program: async () => ({ ok: 1 }) }), (e: OperationError) => /locked/i.test(e.message));
    assert.equal(ws.clearDeadLocks("s"), 1);
    assert.equal(fs.existsSync(lock), false);
    assert.equal(fs.existsSync(`${lock}.attrs`), false, "no sidecar left behind");
    // A CLI killed while it unlocked can leave the sidecar alone: cleared with the next stale lock check.
    const orphan = fabricateLock(backendDir, project, "s", 0);
    fs.rmSync(orphan);
    assert.equal(ws.clearDeadLocks("s"), 0);
    assert.equal(fs.existsSync(`${orphan}.attrs`), false, "an orphaned sidecar is removed");
    const res = await ws.stack("s").up({ program: async () => ({ ok: 1 }) });
    assert.equal(res.outputs.ok, 1);
  });

  test("another host's lock inside its lease is kept (a live replica), and so is this host's lock of a live process", async () => {
    const fresh = fabricateLock(backendDir, project, "s", 1_000);
    const mine = fabricateLock(backendDir, project, "s", 10 * 60_000, os.hostname());
    fs.writeFileSync(mine, JSON.stringify({ pid: process.pid, username: "plinth", hostname: os.hostname(), timestamp: new Date().toISOString() }));
    assert.equal(ws.clearDeadLocks("s"), 0);
    assert.ok(fs.existsSync(fresh) && fs.existsSync(mine));
    fs.rmSync(fresh);
    fs.rmSync(mine);
  });

  test("a running operation keeps its own lock fresh (heartbeat), so another replica never takes it for stale", async () => {
    ws.options.lockLeaseMs = 400;
    try {
      let seen: { touchedMs: number; taken: number }[] = [];
      const up = ws.stack("s").up({
        program: async () => {
          const t0 = Date.now();
          while (Date.now() - t0 < 1500) {
            await new Promise((r) => setTimeout(r, 100));
            for (const l of lockFiles(backendDir, "s")) {
              const taken = Date.parse((JSON.parse(fs.readFileSync(l.file, "utf8")) as { timestamp: string }).timestamp);
              seen.push({ touchedMs: l.touchedMs, taken });
            }
          }
          return {};
        },
      });
      await up;
      assert.ok(seen.length > 0, "the lock was seen while up ran");
      assert.ok(seen.some((s) => s.touchedMs > s.taken + 200), "the lock file was touched after it was taken");
      seen = [];
      assert.equal(lockFiles(backendDir, "s").length, 0, "released after the operation");
    } finally {
      ws.options.lockLeaseMs = 60_000;
    }
  });
});
