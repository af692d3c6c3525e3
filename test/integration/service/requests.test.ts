import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import YAML from "yaml";
import { sha256Hex } from "../../../service/core";
import { startTestPlatform, treeOf, type TestPlatform } from "../../support/platform";

const TEAM_B_TOKEN = "team-b-token-0123456789abcdef";
const config = {
  stateStores: [{ name: "default", embedded: true }],
  destinations: [
    { name: "dev", labels: { env: "dev" } },
    { name: "prod", labels: { env: "prod" } },
  ],
  promises: [{ name: "namespace" }],
  teams: [
    // A TeamNamespace creates a Namespace of its own name: the team must own that name (tenancy).
    { name: "dev", namespaces: ["default", "team-a", "preview-me", "dup", ...Array.from({ length: 20 }, (_, i) => `burst-${i}`)] },
    { name: "team-b", namespaces: ["team-b", "b-ns"], tokenSha256: sha256Hex(TEAM_B_TOKEN) },
  ],
};

const request = (name: string, team = "a", extra: Record<string, unknown> = {}) => ({
  apiVersion: "plinth.dev/v1alpha1",
  kind: "TeamNamespace",
  metadata: { name, ...extra },
  spec: { team },
});

describe("request service over HTTP with the real engine and Git", () => {
  let t: TestPlatform;
  let url: string;
  let token: string;
  const call = (method: string, p: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${url}${p}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined && typeof body !== "string" ? { "content-type": "application/json" } : {}), ...headers },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
  const ready = async (ns: string, name: string) => {
    await t.platform.service!.idle();
    const res = await call("GET", `/v1/requests/${ns}/TeamNamespace/${name}`);
    return (await res.json()) as { metadata: { generation: number }; status: { conditions: { type: string; status: string }[]; observedGeneration: number; destinations: string[]; files: { path: string; commit: string }[] } };
  };

  before(async () => {
    t = await startTestPlatform();
    await t.platform.up(config);
    await t.platform.serve({ retryBaseMs: 50 });
    url = t.platform.url;
    token = t.platform.devToken;
  });
  after(async () => t?.cleanup());

  test("POST → 202 → Ready → files under the chosen destination; PUT updates exactly them; DELETE removes them and the stack", async () => {
    const res = await call("POST", "/v1/requests", request("team-a"));
    assert.equal(res.status, 202);
    assert.equal(res.headers.get("location"), "/v1/requests/default/TeamNamespace/team-a");
    assert.deepEqual(await res.json(), { namespace: "default", kind: "TeamNamespace", name: "team-a", generation: 1, created: true, location: "/v1/requests/default/TeamNamespace/team-a" });

    const got = await ready("default", "team-a");
    assert.equal(got.status.conditions.find((c) => c.type === "Ready")?.status, "True");
    assert.equal(got.status.observedGeneration, 1);
    assert.equal(got.status.destinations.length, 1);
    const dest = got.status.destinations[0];
    const clone = await t.clone();
    const files = treeOf(clone, `${dest}/resources/default/namespace/team-a`);
    assert.ok(files.some((f) => f.endsWith("namespace.yaml")), files.join(","));
    for (const f of got.status.files) assert.match(f.commit, /^[0-9a-f]{40}$/);
    const quota = files.find((f) => f.endsWith("resourcequota.yaml") || f.includes("quota"))!;
    assert.match(fs.readFileSync(path.join(clone, quota), "utf8"), /cpu: "?2"?/);

    const put = await call("PUT", "/v1/requests/default/TeamNamespace/team-a", { ...request("team-a"), spec: { team: "a", quota: { cpu: "4", memory: "8Gi" } } });
    assert.equal(put.status, 200);
    assert.equal(((await put.json()) as { generation: number }).generation, 2);
    const updated = await ready("default", "team-a");
    assert.equal(updated.status.observedGeneration, 2);
    assert.deepEqual(updated.status.destinations, [dest], "stays on its destination");
    const clone2 = await t.clone();
    assert.deepEqual(treeOf(clone2, `${dest}/resources/default/namespace/team-a`), files, "same files, rewritten");
    assert.match(fs.readFileSync(path.join(clone2, quota), "utf8"), /cpu: "?4"?/);

    const same = await call("PUT", "/v1/requests/default/TeamNamespace/team-a", { ...request("team-a"), spec: { team: "a", quota: { cpu: "4", memory: "8Gi" } } });
    assert.equal(((await same.json()) as { generation: number }).generation, 2, "no spec change, no new generation");

    const del = await call("DELETE", "/v1/requests/default/TeamNamespace/team-a");
    assert.equal(del.status, 202);
    await t.platform.service!.idle();
    assert.equal((await call("GET", "/v1/requests/default/TeamNamespace/team-a")).status, 404);
    assert.deepEqual(treeOf(await t.clone(), `${dest}/resources/default/namespace`), []);
    const stacks = await t.platform.service!.options.workspace.listStacks();
    assert.ok(!stacks.includes("default.teamnamespace.team-a"), "the stack is removed");
  });

  test("dryRun previews files with diffs and changes nothing", async () => {
    const head = await t.head();
    const res = await call("POST", "/v1/requests?dryRun=true", request("preview-me"));
    assert.equal(res.status, 200);
    const body = (await res.json()) as { files: { path: string; change: string; diff: string }[]; destinations: string[] };
    assert.ok(body.files.length >= 2);
    assert.ok(body.files.every((f) => f.change === "create" && f.diff.includes("+")));
    assert.equal(await t.head(), head);
    assert.equal((await call("GET", "/v1/requests/default/TeamNamespace/preview-me")).status, 404);
  });

  test("bad input: each answer has its status, names the problem, and writes nothing", async () => {
    const head = await t.head();
    const expect = async (res: Response, status: number, code: RegExp, detail?: RegExp) => {
      assert.equal(res.status, status);
      const body = (await res.json()) as { code: string; message: string; details?: unknown };
      assert.match(body.code, code);
      assert.ok(body.message.length > 0);
      if (detail) assert.match(JSON.stringify(body.details), detail);
    };
    await expect(await call("POST", "/v1/requests", "{not json", { "content-type": "application/json" }), 400, /Malformed/);
    await expect(await call("POST", "/v1/requests", "a: [b", { "content-type": "application/yaml" }), 400, /Malformed/);
    await expect(await call("POST", "/v1/requests", { ...request("x"), kind: "Nope" }), 404, /PromiseNotFound/);
    await expect(await call("POST", "/v1/requests", { ...request("x"), spec: { team: "Not Valid" } }), 422, /Validation/, /"spec","team"/);
    await expect(await call("POST", "/v1/requests", request("Bad_Name")), 422, /Validation/, /metadata/);
    await expect(await call("POST", "/v1/requests", "x".repeat(1024 * 1024 + 10), { "content-type": "application/json" }), 413, /TooLarge/);
    await expect(await call("POST", "/v1/requests", "hello", { "content-type": "text/plain" }), 415, /UnsupportedMediaType/);
    assert.equal((await call("POST", "/v1/requests", request("dup"))).status, 202);
    await expect(await call("POST", "/v1/requests", request("dup")), 409, /AlreadyExists/);
    await t.platform.service!.idle();
    const stacks = await t.platform.service!.options.workspace.listStacks();
    assert.deepEqual(stacks.filter((s) => !s.endsWith(".dup")), [], "no stack for a rejected request");
    assert.notEqual(await t.head(), head, "only the valid dup request wrote");
  });

  test("auth: 401 without a valid token, 403 outside the team's namespaces, teams never see each other's requests", async () => {
    assert.equal((await fetch(`${url}/v1/requests`)).status, 401);
    assert.equal((await call("GET", "/v1/requests", undefined, { authorization: "Bearer wrong" })).status, 401);
    const forbidden = await call("POST", "/v1/requests", request("x", "a", { namespace: "team-b" }));
    assert.equal(forbidden.status, 403);
    const asB = (method: string, p: string, body?: unknown) =>
      fetch(`${url}${p}`, { method, headers: { authorization: `Bearer ${TEAM_B_TOKEN}`, "content-type": "application/json" }, body: body ? JSON.stringify(body) : undefined });
    assert.equal((await asB("POST", "/v1/requests", request("b-ns", "b", { namespace: "team-b" }))).status, 202);
    await t.platform.service!.idle();
    const mine = (await (await call("GET", "/v1/requests")).json()) as { items: { metadata: { name: string } }[] };
    assert.ok(!mine.items.some((i) => i.metadata.name === "b-ns"), "dev does not see team-b's request");
    const theirs = (await (await asB("GET", "/v1/requests")).json()) as { items: { metadata: { name: string } }[] };
    assert.deepEqual(theirs.items.map((i) => i.metadata.name), ["b-ns"]);
    assert.equal((await asB("GET", "/v1/requests/default/TeamNamespace/dup")).status, 403);
  });

  test("20 concurrent requests all reach Ready with no lost commit", async () => {
    const names = Array.from({ length: 20 }, (_, i) => `burst-${i}`);
    const answers = await Promise.all(names.map((n) => call("POST", "/v1/requests", request(n))));
    assert.deepEqual(answers.map((r) => r.status), names.map(() => 202));
    await t.platform.service!.idle();
    const list = (await (await call("GET", "/v1/requests?namespace=default&kind=TeamNamespace")).json()) as { items: { metadata: { name: string }; status: { conditions: { type: string; status: string }[]; destinations: string[] } }[] };
    const burst = list.items.filter((i) => i.metadata.name.startsWith("burst-"));
    const settings = t.platform.service!.options.workspace.readSettings("default.teamnamespace.burst-0")!;
    assert.equal(settings.secretsprovider, "hashivault://plinth", "request stacks keep secrets with the platform's key service");
    assert.ok(settings.encryptedkey, "the data key is stored wrapped");
    assert.equal(settings.encryptionsalt, undefined, "no passphrase key derivation");
    assert.equal(burst.length, 20);
    for (const b of burst) assert.equal(b.status.conditions.find((c) => c.type === "Ready")?.status, "True", b.metadata.name);
    const clone = await t.clone();
    for (const b of burst) {
      const files = treeOf(clone, `${b.status.destinations[0]}/resources/default/namespace/${b.metadata.name}`);
      assert.ok(files.length >= 3, `${b.metadata.name} has its files`);
    }
    const index = YAML.parse(fs.readFileSync(path.join(clone, "dev/resources/default/namespace/kustomization.yaml"), "utf8")) as { resources: string[] };
    assert.ok(index.resources.some((r) => r.startsWith("burst-")));
  });
});
