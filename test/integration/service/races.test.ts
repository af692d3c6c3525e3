/**
 * An acknowledged write is never undone by the platform: a DELETE or PUT that lands while the request's
 * first reconcile is still creating its stack (or running `up`) wins, checked in status, in Git and in
 * the persisted record once the service is idle. And in a namespace two teams share, one team's preview
 * shows nothing of the other's request.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { sha256Hex } from "../../../service/core";
import { startTestPlatform, treeOf, type TestPlatform } from "../../support/platform";

const OPS_TOKEN = "ops-token-0123456789abcdef0123";

const config = {
  stateStores: [{ name: "default", embedded: true }],
  destinations: [{ name: "dev", labels: { env: "dev" } }],
  promises: [{ name: "namespace" }],
  // A TeamNamespace creates a Namespace of its own name: the team must own it (tenancy).
  teams: [
    { name: "dev", namespaces: ["default", "gone", "kept", "mid", "private"] },
    { name: "ops", namespaces: ["default", "ops-own"], tokenSha256: sha256Hex(OPS_TOKEN) },
  ],
};

const request = (name: string, cpu = "2") => ({
  apiVersion: "plinth.dev/v1alpha1",
  kind: "TeamNamespace",
  metadata: { name },
  spec: { team: "a", quota: { cpu, memory: "4Gi" } },
});

type Got = { metadata: { generation: number; resourceVersion: string; deletionTimestamp?: string }; spec: { quota: { cpu: string } }; status: { observedGeneration: number; conditions: { type: string; status: string }[]; files: { path: string }[] } };

describe("no lost acknowledged writes; shared namespaces (real engine and Git)", () => {
  let t: TestPlatform;
  const call = (method: string, p: string, body?: unknown, token = t.platform.devToken) =>
    fetch(`${t.platform.url}${p}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const stackConfig = (name: string) => t.platform.service!.options.workspace.readConfig(`default.teamnamespace.${name}`)["plinth:request"];

  before(async () => {
    t = await startTestPlatform();
    await t.platform.up(config);
    await t.platform.serve({ retryBaseMs: 50 });
  });
  after(async () => t?.cleanup());

  test("POST then DELETE at once: the request is gone (status, Git, stack), not Ready", async () => {
    assert.equal((await call("POST", "/v1/requests", request("gone"))).status, 202);
    assert.equal((await call("DELETE", "/v1/requests/default/TeamNamespace/gone")).status, 202);
    await t.platform.service!.idle();
    assert.equal((await call("GET", "/v1/requests/default/TeamNamespace/gone")).status, 404);
    assert.deepEqual(treeOf(await t.clone(), "dev/resources/default/namespace/gone"), []);
    assert.equal(stackConfig("gone"), undefined, "no stack settings left");
    assert.ok(!(await t.platform.service!.options.workspace.listStacks()).includes("default.teamnamespace.gone"));
  });

  test("POST then PUT a changed spec at once: generation 2 is what ends up in status, Git and the stored record", async () => {
    assert.equal((await call("POST", "/v1/requests", request("kept"))).status, 202);
    const put = await call("PUT", "/v1/requests/default/TeamNamespace/kept", request("kept", "6"));
    assert.equal(put.status, 200);
    assert.equal(((await put.json()) as { generation: number }).generation, 2);
    await t.platform.service!.idle();
    const got = (await (await call("GET", "/v1/requests/default/TeamNamespace/kept")).json()) as Got;
    assert.equal(got.metadata.generation, 2);
    assert.equal(got.spec.quota.cpu, "6");
    assert.equal(got.status.observedGeneration, 2);
    assert.equal(got.status.conditions.find((c) => c.type === "Ready")?.status, "True");
    const stored = JSON.parse(String(stackConfig("kept"))) as Got;
    assert.equal(stored.metadata.generation, 2, "the stack config (what a restart loads) holds generation 2");
    assert.equal(stored.spec.quota.cpu, "6");
    const clone = await t.clone();
    const quota = treeOf(clone, "dev/resources/default/namespace/kept").find((f) => f.includes("quota"))!;
    assert.match(fs.readFileSync(path.join(clone, quota), "utf8"), /cpu: "?6"?/);
  });

  test("a DELETE while `up` runs wins; a stale resourceVersion is refused with 409 and changes nothing", async () => {
    assert.equal((await call("POST", "/v1/requests", request("mid"))).status, 202);
    await t.platform.service!.idle();
    const read = (await (await call("GET", "/v1/requests/default/TeamNamespace/mid")).json()) as Got;
    assert.equal((await call("PUT", "/v1/requests/default/TeamNamespace/mid", request("mid", "3"))).status, 200);
    // The PUT started a reconcile: wait for its engine to run, then delete with the version read before the PUT.
    await new Promise<void>((resolve) => {
      const stop = t.platform.service!.watch({ namespace: "default", kind: "TeamNamespace", name: "mid" }, (e) => {
        if (e.type === "engine" || e.type === "status") {
          stop();
          resolve();
        }
      }, { caller: t.platform.service!.platformCaller() });
    });
    const stale = await call("DELETE", `/v1/requests/default/TeamNamespace/mid?resourceVersion=${read.metadata.resourceVersion}`);
    assert.equal(stale.status, 409);
    assert.match(((await stale.json()) as { message: string }).message, /re-read it and retry/);
    const stalePut = await call("PUT", "/v1/requests/default/TeamNamespace/mid", { ...request("mid", "9"), metadata: { name: "mid", resourceVersion: read.metadata.resourceVersion } });
    assert.equal(stalePut.status, 409);
    assert.equal((await call("DELETE", "/v1/requests/default/TeamNamespace/mid")).status, 202);
    await t.platform.service!.idle();
    assert.equal((await call("GET", "/v1/requests/default/TeamNamespace/mid")).status, 404);
    assert.deepEqual(treeOf(await t.clone(), "dev/resources/default/namespace/mid"), []);
  });

  test("preview obeys GET's visibility: another team's request in a shared namespace is refused like a write, none of its files shown", async () => {
    assert.equal((await call("POST", "/v1/requests", request("private", "7"))).status, 202);
    await t.platform.service!.idle();
    assert.equal((await call("GET", "/v1/requests/default/TeamNamespace/private", undefined, OPS_TOKEN)).status, 404, "ops cannot GET it");
    for (const [method, p] of [["POST", "/v1/requests?dryRun=true"], ["PUT", "/v1/requests/default/TeamNamespace/private?dryRun=true"]]) {
      const res = await call(method, p, request("private", "1"), OPS_TOKEN);
      const text = await res.text();
      assert.equal(res.status, 403, `${method} preview: ${text}`);
      assert.equal((JSON.parse(text) as { code: string }).code, "RequestOwnedByAnotherTeam");
      assert.ok(!text.includes("resources/default/namespace/private/") && !/cpu/.test(text), `no file or content of dev's request: ${text}`);
    }
    assert.equal((await call("POST", "/v1/requests", request("private", "1"), OPS_TOKEN)).status, 403, "the write answers the same");
    assert.equal((await call("PUT", "/v1/requests/default/TeamNamespace/private", request("private", "1"), OPS_TOKEN)).status, 403);
    const own = await call("POST", "/v1/requests?dryRun=true", request("ops-own"), OPS_TOKEN);
    assert.equal(own.status, 200, "a name nobody holds previews as a create");
  });
});
