import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { sha256Hex } from "../../../service/core";
import { startTestPlatform, type TestPlatform } from "../../support/platform";

const TEAM_B_TOKEN = "team-b-token-limits-0123456789";
const config = {
  stateStores: [{ name: "default", embedded: true }],
  destinations: [{ name: "dev", labels: { env: "dev" } }],
  promises: [{ name: "namespace" }],
  teams: [
    { name: "dev", namespaces: ["default", "one", "two", "three"] }, // owns what its TeamNamespaces create
    { name: "team-b", namespaces: ["team-b", "b1"], tokenSha256: sha256Hex(TEAM_B_TOKEN) },
  ],
  limits: { maxInFlightPerTeam: 2 },
};

const request = (name: string, namespace = "default") => ({ apiVersion: "plinth.dev/v1alpha1", kind: "TeamNamespace", metadata: { name, namespace }, spec: { team: "a" } });

describe("requests in flight per team (real engine): 429 with Retry-After, nothing written", () => {
  let t: TestPlatform;
  const post = (body: unknown, token: string) =>
    fetch(`${t.platform.url}/v1/requests`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) });

  before(async () => {
    t = await startTestPlatform();
    await t.platform.up(config);
    await t.platform.serve({ concurrency: 1, retryBaseMs: 50 });
  });
  after(async () => t?.cleanup());

  test("a team with maxInFlightPerTeam requests queued or reconciling gets 429 TooManyInFlight; other teams do not; later it is accepted", async () => {
    const dev = t.platform.devToken;
    assert.equal((await post(request("one"), dev)).status, 202);
    assert.equal((await post(request("two"), dev)).status, 202);
    const refused = await post(request("three"), dev);
    assert.equal(refused.status, 429);
    assert.match(refused.headers.get("retry-after") ?? "", /^[1-9][0-9]*$/);
    const body = (await refused.json()) as { code: string; message: string; details: { limit: number } };
    assert.equal(body.code, "TooManyInFlight");
    assert.match(body.message, /team "dev" already has 2 requests queued or reconciling, the limit \(plinth:limits\.maxInFlightPerTeam\) is 2/);
    assert.equal(t.platform.service!.store.get({ namespace: "default", kind: "TeamNamespace", name: "three" }), undefined, "nothing stored");
    const get = await fetch(`${t.platform.url}/v1/requests/default/TeamNamespace/three`, { headers: { authorization: `Bearer ${dev}` } });
    assert.equal(get.status, 404);

    assert.equal((await post(request("b1", "team-b"), TEAM_B_TOKEN)).status, 202, "another team has its own count");

    await t.platform.service!.idle();
    assert.equal((await post(request("three"), dev)).status, 202, "accepted once the team's work is done");
    await t.platform.service!.idle();
  });
});
