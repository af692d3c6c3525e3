/** The request store: compare-and-swap on resourceVersion, persistence across a reload, a corrupt status file. */
import { afterEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ConflictError } from "../../../components/errors";
import { EngineWorkspace } from "../../../service/engine";
import { RequestStore, StaleRecordError, emptyStatus, type StoredRequest } from "../../../service/core/store";

const dirs: string[] = [];
function workspace(dir = fs.mkdtempSync(path.join(os.tmpdir(), "plinth-store-"))): EngineWorkspace {
  dirs.push(dir);
  return new EngineWorkspace({ pulumi: "/nonexistent/pulumi", backendUrl: `file://${dir}/state`, workDir: path.join(dir, "requests"), project: "p", passphrase: "x" });
}

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

describe("RequestStore", () => {
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  test("every write gets a new resourceVersion; a write naming an older one is refused and changes nothing", async () => {
    const store = new RequestStore(workspace());
    const created = await store.create(request("a"));
    const v1 = created.object.metadata.resourceVersion;
    assert.match(v1, /^\d+$/);
    await assert.rejects(() => store.create(request("a")), (e: unknown) => e instanceof ConflictError && e.code === "AlreadyExists");

    const spec2 = await store.write({ ...created, object: { ...created.object, spec: { team: "b" }, metadata: { ...created.object.metadata, generation: 2 } } }, v1);
    const v2 = spec2.object.metadata.resourceVersion;
    assert.ok(Number(v2) > Number(v1));
    const status = (await store.patch("default.teamnamespace.a", (cur) => ({ status: { ...cur.status, message: "working" } })))!;
    const v3 = status.object.metadata.resourceVersion;
    assert.ok(Number(v3) > Number(v2), "a status write is a write too");

    // A writer holding the record it read before another write: refused (409 Conflict, re-read and retry).
    const stale = () => store.write({ ...created, status: { ...created.status, message: "old" } }, v1);
    await assert.rejects(stale, (e: unknown) => e instanceof StaleRecordError && e.code === "Conflict" && e.status === 409 && /re-read it and retry/.test(e.message));
    const now = store.getByStack("default.teamnamespace.a")!;
    assert.equal(now.object.spec.team, "b");
    assert.equal(now.status.message, "working");
    assert.equal(now.object.metadata.resourceVersion, v3);
    assert.ok(Object.isFrozen(now) && Object.isFrozen(now.object.metadata) && Object.isFrozen(now.status), "records are immutable snapshots");
    await assert.rejects(() => store.write({ ...request("missing"), object: { ...request("missing").object } }, "1"), StaleRecordError);
  });

  test("a reload keeps the newest object, status and version; later versions stay larger", async () => {
    const ws = workspace();
    const store = new RequestStore(ws);
    const rec = await store.create(request("b"));
    const written = await store.write({ ...rec, object: { ...rec.object, spec: { team: "c" } } }, rec.object.metadata.resourceVersion);
    const last = (await store.patch("default.teamnamespace.b", (cur) => ({ status: { ...cur.status, observedGeneration: 1 }, stackCreated: true })))!;
    assert.notEqual(written.object.metadata.resourceVersion, last.object.metadata.resourceVersion);

    const again = new RequestStore(ws);
    const [loaded] = again.load();
    assert.equal(loaded.object.spec.team, "c");
    assert.equal(loaded.status.observedGeneration, 1);
    assert.equal(loaded.stackCreated, true);
    assert.equal(loaded.object.metadata.resourceVersion, last.object.metadata.resourceVersion, "the status file's newer version wins");
    const next = (await again.patch("default.teamnamespace.b", (cur) => ({ status: { ...cur.status, message: "x" } })))!;
    assert.ok(Number(next.object.metadata.resourceVersion) > Number(last.object.metadata.resourceVersion));
  });

  test("a corrupt status file is quarantined and logged once; the request loads with an empty status", async () => {
    const ws = workspace();
    const store = new RequestStore(ws);
    const rec = await store.create(request("c"));
    await store.patch("default.teamnamespace.c", (cur) => ({ status: { ...cur.status, observedGeneration: 1, message: "Ready" }, stackCreated: true }));
    const statusDir = path.join(ws.options.workDir, "status");
    fs.writeFileSync(path.join(statusDir, "default.teamnamespace.c.json"), '{"status": {"conditions": [tru');

    const logs: string[] = [];
    const again = new RequestStore(ws, (l) => logs.push(l));
    const loaded = again.load();
    assert.equal(loaded.length, 1, "the start goes on");
    assert.deepEqual(loaded[0].status, emptyStatus(), "reconciled again from scratch");
    assert.equal(loaded[0].object.metadata.uid, rec.object.metadata.uid);
    const files = fs.readdirSync(statusDir);
    assert.ok(!files.includes("default.teamnamespace.c.json"));
    const aside = files.filter((f) => f.startsWith("default.teamnamespace.c.json.corrupt-"));
    assert.equal(aside.length, 1, files.join(","));
    assert.equal(fs.readFileSync(path.join(statusDir, aside[0]), "utf8"), '{"status": {"conditions": [tru', "kept for a look");
    assert.equal(logs.length, 1);
    assert.match(logs[0], /default\.teamnamespace\.c.*moved to .*corrupt-.*reconciled again/);

    // Valid JSON of the wrong shape is quarantined the same way.
    fs.writeFileSync(path.join(statusDir, "default.teamnamespace.c.json"), "null");
    const third = new RequestStore(ws, (l) => logs.push(l));
    assert.deepEqual(third.load()[0].status, emptyStatus());
    assert.equal(logs.length, 2);
  });
});
