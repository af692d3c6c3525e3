/**
 * The State Store's remote going away (connections reset) and then failing (HTTP 503) for longer than a
 * request's retry budget: the request is never given up on (never `Stalled`, which nothing retries), its
 * status says the State Store is unavailable meanwhile, and it converges once the remote is back.
 * A real `git http-backend` behind a proxy the test cuts; the real engine.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startGitServer, type GitServer } from "../../support/git-server";
import { startCutProxy, type CutProxy } from "../../support/cut-proxy";
import { startTestPlatform, type TestPlatform } from "../../support/platform";

type Got = { metadata: { generation: number }; status: { observedGeneration: number; message: string; conditions: { type: string; status: string; reason: string; message: string }[] } };

describe("State Store outage (real engine, real Git server)", () => {
  let git: GitServer;
  let proxy: CutProxy;
  let t: TestPlatform;
  before(async () => {
    git = await startGitServer();
    await git.createRepo("state");
    proxy = await startCutProxy(git.port);
    t = await startTestPlatform();
    await t.platform.up({
      stateStores: [{ name: "default", url: `${proxy.origin}/git/state.git`, username: git.username, password: git.password }],
      destinations: [{ name: "dev", labels: { env: "dev" } }],
      promises: [{ name: "namespace" }],
      teams: [{ name: "dev", namespaces: ["default", "cut"] }],
    });
    // One attempt for a failure, two for a transient one: an outage outlasts that budget quickly.
    await t.platform.serve({ retryBaseMs: 50, maxAttempts: 1 });
  });
  after(async () => {
    await t?.cleanup();
    await proxy?.close();
    await git?.stop();
  });

  const get = async (): Promise<Got> =>
    (await (await fetch(`${t.platform.url}/v1/requests/default/TeamNamespace/cut`, { headers: { authorization: `Bearer ${t.platform.devToken}` } })).json()) as Got;
  const cond = (g: Got, type: string) => g.status.conditions.find((c) => c.type === type);

  /** Waits until `attempts` reconciles have failed, checking after each that the request is not given up on. */
  async function failuresSeen(attempts: number): Promise<Got> {
    for (;;) {
      const g = await get();
      assert.notEqual(cond(g, "Stalled")?.status, "True", `given up on during the outage: ${JSON.stringify(g.status.conditions)}`);
      const m = /attempt (\d+) failed/.exec(cond(g, "Reconciling")?.message ?? "");
      if (m && Number(m[1]) >= attempts) return g;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  test("retried while the remote is down (reset, then 503), says so, converges once it is back", async () => {
    proxy.set("reset");
    const post = await fetch(`${t.platform.url}/v1/requests`, {
      method: "POST",
      headers: { authorization: `Bearer ${t.platform.devToken}`, "content-type": "application/json" },
      body: JSON.stringify({ apiVersion: "plinth.dev/v1alpha1", kind: "TeamNamespace", metadata: { name: "cut" }, spec: { team: "a" } }),
    });
    assert.equal(post.status, 202, "a write is acknowledged without the State Store");
    let g = await failuresSeen(3);
    assert.equal(cond(g, "Ready")?.status, "False");
    assert.equal(cond(g, "Ready")?.reason, "StateStoreUnavailable");
    assert.match(cond(g, "Ready")!.message, /state store remote .* is unreachable/);
    proxy.set("5xx");
    g = await failuresSeen(5);
    assert.equal(cond(g, "Ready")?.reason, "StateStoreUnavailable");
    assert.match(cond(g, "Ready")!.message, /HTTP 503/);
    proxy.set("up");
    await t.platform.service!.idle();
    g = await get();
    assert.equal(g.status.observedGeneration, 1);
    assert.equal(cond(g, "Ready")?.status, "True", JSON.stringify(g.status));
    assert.notEqual(cond(g, "Stalled")?.status, "True");
  });
});
