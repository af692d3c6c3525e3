import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pinnedToolchain } from "../../support/pulumi";
import { killAll, spawnStart as startPlatform } from "../../support/start";

describe("a crash during a reconcile", () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "plinth-restart-"));
  after(() => {
    killAll();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test("kill the service mid-reconcile, restart it, and the request still reaches Ready", async () => {
    await pinnedToolchain();
    const first = await startPlatform(dataDir);
    const token = fs.readFileSync(path.join(dataDir, "token"), "utf8").trim();
    const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    const body = JSON.stringify({ apiVersion: "plinth.dev/v1alpha1", kind: "TeamNamespace", metadata: { name: "team-b" }, spec: { team: "a" } });
    const res = await fetch(`${first.url}/v1/requests`, { method: "POST", headers, body });
    assert.equal(res.status, 202);
    // The reconcile (stack init + up) takes longer than this: kill the whole process group now.
    process.kill(-first.child.pid!, "SIGKILL");
    await new Promise((r) => first.child.once("exit", r));
    const statusFile = path.join(dataDir, "requests", "status", "default.teamnamespace.team-b.json");
    const before = fs.existsSync(statusFile) ? JSON.parse(fs.readFileSync(statusFile, "utf8")).status.observedGeneration : 0;
    assert.equal(before, 0, "the first process died before finishing");
    assert.ok(fs.existsSync(path.join(dataDir, "requests", "Pulumi.default.teamnamespace.team-b.yaml")), "the request was persisted before the 202");

    const second = await startPlatform(dataDir);
    let ready = false;
    let last: unknown;
    for (let i = 0; i < 600 && !ready; i++) {
      const got = await fetch(`${second.url}/v1/requests/default/TeamNamespace/team-b`, { headers });
      last = await got.json();
      ready = (last as { status: { conditions: { type: string; status: string }[] } }).status.conditions.some((c) => c.type === "Ready" && c.status === "True");
      if (!ready) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(ready, `Ready after restart: ${JSON.stringify(last)}`);
    process.kill(-second.child.pid!, "SIGINT");
    const code = await new Promise((r) => second.child.once("exit", r));
    assert.equal(code, 0, "Ctrl-C stops the platform cleanly");
  });
});
