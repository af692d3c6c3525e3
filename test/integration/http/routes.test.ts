import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startHarness, teamNamespace, type Harness } from "./harness";

describe("API routes over a real socket", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  test("healthz needs no token", async () => {
    const r = await h.call("GET", "/healthz", { token: null });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { ok: true });
  });

  test("401 without a token, with a bad token and with a non-Bearer scheme, with WWW-Authenticate", async () => {
    for (const token of [null, "nope"]) {
      const r = await h.call("GET", "/v1/promises", { token });
      assert.equal(r.status, 401);
      assert.equal(r.json.code, "Unauthorized");
      assert.match(r.headers.get("www-authenticate") ?? "", /^Bearer/);
    }
    const res = await fetch(h.server.url + "/v1/promises", { headers: { Authorization: "Basic dXNlcjpwYXNz" } });
    assert.equal(res.status, 401);
    assert.match(((await res.json()) as { message: string }).message, /Bearer <token>/);
  });

  test("the token never appears in the access log", async () => {
    await h.call("GET", "/v1/promises?x=1", { token: "token-admin" });
    await h.call("GET", "/v1/promises", { token: "secret-bad-token" });
    assert.ok(h.logs.length > 0);
    assert.ok(h.logs.every((l) => !l.includes("token-admin") && !l.includes("secret-bad-token")));
    assert.ok(h.logs.some((l) => /^GET \/v1\/promises 200 \d+ms$/.test(l)));
  });

  test("registry lists", async () => {
    const p = await h.call("GET", "/v1/promises");
    assert.equal(p.status, 200);
    assert.equal(p.json.items[0].kind, "TeamNamespace");
    const d = await h.call("GET", "/v1/destinations");
    assert.deepEqual(d.json.items.map((x: { name: string }) => x.name), ["local-1"]);
    const s = await h.call("GET", "/v1/statestores");
    assert.equal(s.json.items[0].branch, "main");
  });

  test("JSON POST answers 202 with Location and the ApplyResult; GET/list/DELETE follow", async () => {
    const r = await h.call("POST", "/v1/requests", { body: JSON.stringify(teamNamespace("web")), contentType: "application/json; charset=utf-8" });
    assert.equal(r.status, 202);
    assert.equal(r.headers.get("location"), "/v1/requests/default/TeamNamespace/web");
    assert.deepEqual(r.json, { namespace: "default", kind: "TeamNamespace", name: "web", generation: 1, created: true, location: "/v1/requests/default/TeamNamespace/web" });

    const g = await h.call("GET", "/v1/requests/default/teamnamespaces/web");
    assert.equal(g.status, 200);
    assert.equal(g.json.spec.team, "a");
    assert.equal(g.json.spec.quota, 1, "defaults applied by the core");

    const l = await h.call("GET", "/v1/requests?namespace=default&kind=TeamNamespace");
    assert.deepEqual(l.json.items.map((o: { metadata: { name: string } }) => o.metadata.name), ["web"]);
    const none = await h.call("GET", "/v1/requests?namespace=other");
    assert.deepEqual(none.json.items, []);

    const d = await h.call("DELETE", "/v1/requests/default/TeamNamespace/web");
    assert.equal(d.status, 202);
    assert.deepEqual(d.json, { namespace: "default", kind: "TeamNamespace", name: "web" });
  });

  test("list passes the caller through: a team sees only its namespaces", async () => {
    await h.call("POST", "/v1/requests", { body: JSON.stringify(teamNamespace("a1", "team-a")), contentType: "application/json" });
    await h.call("POST", "/v1/requests", { body: JSON.stringify(teamNamespace("b1", "team-b")), contentType: "application/json" });
    const mine = await h.call("GET", "/v1/requests", { token: "token-team-a" });
    assert.deepEqual(mine.json.items.map((o: { metadata: { name: string } }) => o.metadata.name), ["a1"]);
  });

  test("403 from the core passes through", async () => {
    const r = await h.call("POST", "/v1/requests", { token: "token-team-a", body: JSON.stringify(teamNamespace("x", "team-b")), contentType: "application/json" });
    assert.equal(r.status, 403);
    assert.equal(r.json.code, "Forbidden");
    assert.deepEqual(r.json.details, { namespace: "team-b", team: "team-a" });
    const g = await h.call("GET", "/v1/requests/team-b/TeamNamespace/b1", { token: "token-team-a" });
    assert.equal(g.status, 403);
  });

  test("409 conflict from the core keeps {code,message,details}", async () => {
    const body = JSON.stringify(teamNamespace("dup"));
    assert.equal((await h.call("POST", "/v1/requests", { body, contentType: "application/json" })).status, 202);
    const r = await h.call("POST", "/v1/requests", { body, contentType: "application/json" });
    assert.equal(r.status, 409);
    assert.equal(r.json.code, "AlreadyExists");
    assert.match(r.json.message, /already exists/);
    assert.deepEqual(r.json.details, { namespace: "default", kind: "TeamNamespace", name: "dup" });
  });

  test("422 carries details.issues with field paths", async () => {
    const r = await h.call("POST", "/v1/requests", { body: JSON.stringify(teamNamespace("bad", "default", { quota: 0 })), contentType: "application/json" });
    assert.equal(r.status, 422);
    assert.equal(r.json.code, "ValidationFailed");
    const paths = r.json.details.issues.map((i: { path: string[] }) => i.path.join("."));
    assert.deepEqual(paths.sort(), ["spec.quota", "spec.team"]);
  });

  test("404 for an unknown request and for an unknown /v1 path; 405 with Allow", async () => {
    const g = await h.call("GET", "/v1/requests/default/TeamNamespace/ghost");
    assert.equal(g.status, 404);
    assert.equal(g.json.code, "RequestNotFound");
    const u = await h.call("GET", "/v1/nothing/here");
    assert.equal(u.status, 404);
    assert.equal(u.json.code, "NotFound");
    const m = await h.call("PATCH", "/v1/requests");
    assert.equal(m.status, 405);
    assert.equal(m.headers.get("allow"), "GET, POST");
  });

  test("an unknown error becomes 500 InternalError without its message or stack", async () => {
    h.service.failNextApply = new TypeError("boom at /secret/path.ts:12");
    const r = await h.call("POST", "/v1/requests", { body: JSON.stringify(teamNamespace("err")), contentType: "application/json" });
    assert.equal(r.status, 500);
    assert.equal(r.json.code, "InternalError");
    assert.ok(!r.text.includes("boom") && !r.text.includes("secret"));
    assert.ok(h.logs.some((l) => l.includes("internal error on POST /v1/requests: boom")));
  });

  test("PUT creates (201) then updates (200), fills metadata from the path, bumps generation on spec change", async () => {
    const body = { apiVersion: "platform.plinth.dev/v1", spec: { team: "p" } };
    const c = await h.call("PUT", "/v1/requests/default/teamnamespaces/put-me", { body: JSON.stringify(body), contentType: "application/json" });
    assert.equal(c.status, 201);
    assert.equal(c.json.created, true);
    assert.equal(c.headers.get("location"), "/v1/requests/default/TeamNamespace/put-me");
    const stored = h.service.applyCalls.at(-1)!;
    assert.equal(stored.mode, "upsert");
    assert.deepEqual((stored.object as { metadata: unknown }).metadata, { namespace: "default", name: "put-me" });
    assert.equal((stored.object as { kind: string }).kind, "TeamNamespace");

    const u = await h.call("PUT", "/v1/requests/default/TeamNamespace/put-me", { body: JSON.stringify({ ...body, spec: { team: "q" } }), contentType: "application/json" });
    assert.equal(u.status, 200);
    assert.equal(u.json.created, false);
    assert.equal(u.json.generation, 2);
  });

  test("resourceVersion preconditions: PUT body metadata.resourceVersion and DELETE ?resourceVersion= answer 409 when stale", async () => {
    const path = "/v1/requests/default/TeamNamespace/cas";
    const put = (spec: Record<string, unknown>, rv?: unknown) =>
      h.call("PUT", path, { body: JSON.stringify({ ...teamNamespace("cas", "default", spec), metadata: { name: "cas", ...(rv === undefined ? {} : { resourceVersion: rv }) } }), contentType: "application/json" });
    assert.equal((await put({ team: "a" })).status, 201);
    const read = (await h.call("GET", path)).json;
    assert.equal(typeof read.metadata.resourceVersion, "string");
    assert.equal((await put({ team: "b" }, read.metadata.resourceVersion)).status, 200, "the version just read is current");
    const stale = await put({ team: "c" }, read.metadata.resourceVersion);
    assert.equal(stale.status, 409);
    assert.equal(stale.json.code, "Conflict");
    assert.match(stale.json.message, /re-read/);
    assert.equal((await h.call("GET", path)).json.spec.team, "b", "the stale write changed nothing");
    assert.equal((await put({ team: "d" }, 7)).status, 400, "a non-string resourceVersion is malformed");

    const now = (await h.call("GET", path)).json.metadata.resourceVersion;
    const del = await h.call("DELETE", `${path}?resourceVersion=${read.metadata.resourceVersion}`);
    assert.equal(del.status, 409);
    assert.equal((await h.call("GET", path)).json.metadata.deletionTimestamp, undefined);
    assert.equal((await h.call("DELETE", `${path}?resourceVersion=${now}`)).status, 202);
  });

  test("PUT with a body that disagrees with the path is 400 PathMismatch naming the fields", async () => {
    const r = await h.call("PUT", "/v1/requests/default/TeamNamespace/one", {
      body: JSON.stringify(teamNamespace("two", "other")),
      contentType: "application/json",
    });
    assert.equal(r.status, 400);
    assert.equal(r.json.code, "PathMismatch");
    assert.deepEqual(r.json.details.issues.map((i: { path: string[] }) => i.path.join(".")), ["metadata.namespace", "metadata.name"]);
  });

  test("dryRun=true and dryRun=All preview and change nothing", async () => {
    for (const q of ["true", "All"]) {
      const before = h.service.objects.size;
      const r = await h.call("POST", `/v1/requests?dryRun=${q}`, { body: JSON.stringify(teamNamespace("pv")), contentType: "application/json" });
      assert.equal(r.status, 200);
      assert.equal(r.json.files[0].change, "create");
      assert.match(r.json.files[0].diff, /\+team: a/);
      assert.equal(h.service.objects.size, before);
    }
    const bad = await h.call("POST", "/v1/requests?dryRun=maybe", { body: "{}", contentType: "application/json" });
    assert.equal(bad.status, 400);
  });
});
