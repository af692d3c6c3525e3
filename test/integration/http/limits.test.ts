import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startHarness, TEAM_A_YAML, teamNamespace, type Harness } from "./harness";

const BILLION_LAUGHS = `apiVersion: platform.plinth.dev/v1
kind: TeamNamespace
metadata: {name: lol}
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
spec: {team: [*h,*h,*h,*h,*h,*h,*h,*h,*h]}
`;

const DEEP = 50_000;

describe("limits over a real socket: a clear error, nothing applied", () => {
  let h: Harness;
  let small: Harness;
  before(async () => {
    h = await startHarness();
    small = await startHarness({ limits: { maxDocuments: 2, maxStreamsPerToken: 2, maxDepth: 10 } });
    await small.call("POST", "/v1/requests", { body: JSON.stringify(teamNamespace("s")), contentType: "application/json" });
  });
  after(async () => {
    await h.close();
    await small.close();
  });

  test("101 documents (default limit 100) → 413 TooManyDocuments naming the limit and its key; 100 are accepted", async () => {
    const calls = h.service.applyCalls.length;
    const docs = (n: number, p: string) => Array.from({ length: n }, (_, i) => TEAM_A_YAML.replace("name: team-a", `name: ${p}-${i}`)).join("---\n");
    const r = await h.call("POST", "/v1/requests", { body: docs(101, "many"), contentType: "application/yaml" });
    assert.equal(r.status, 413);
    assert.equal(r.json.code, "TooManyDocuments");
    assert.match(r.json.message, /101 request objects, more than the limit of 100 \(plinth:limits\.maxDocuments\)/);
    assert.equal(h.service.applyCalls.length, calls, "nothing applied");
    const ok = await h.call("POST", "/v1/requests", { body: docs(100, "fits"), contentType: "application/yaml" });
    assert.equal(ok.status, 202);
    assert.equal(ok.json.items.length, 100);
  });

  test("the documents limit is configurable (JSON items count too)", async () => {
    const calls = small.service.applyCalls.length;
    const body = JSON.stringify({ items: [teamNamespace("x1"), teamNamespace("x2"), teamNamespace("x3")] });
    const r = await small.call("POST", "/v1/requests", { body, contentType: "application/json" });
    assert.equal(r.status, 413);
    assert.equal(r.json.details.limit, 2);
    assert.equal(small.service.applyCalls.length, calls);
  });

  test("a YAML alias bomb (billion laughs) → 400 TooManyAliases, not 500", async () => {
    const calls = h.service.applyCalls.length;
    const r = await h.call("POST", "/v1/requests", { body: BILLION_LAUGHS, contentType: "application/yaml" });
    assert.equal(r.status, 400);
    assert.equal(r.json.code, "TooManyAliases");
    assert.match(r.json.message, /plinth:limits\.maxAliases/);
    assert.equal(h.service.applyCalls.length, calls);
    const dry = await h.call("POST", "/v1/requests?dryRun=true", { body: BILLION_LAUGHS, contentType: "application/yaml" });
    assert.equal(dry.status, 400);
  });

  test(`${DEEP}-deep nesting in YAML (flow and block) and JSON → 400 NestingTooDeep; the server keeps serving`, async () => {
    const calls = h.service.applyCalls.length;
    const bodies: [string, string][] = [
      ["application/yaml", `apiVersion: platform.plinth.dev/v1\nkind: TeamNamespace\nmetadata: {name: deep}\nspec:\n  team: ${"[".repeat(DEEP)}${"]".repeat(DEEP)}\n`],
      ["application/yaml", `apiVersion: platform.plinth.dev/v1\nkind: TeamNamespace\nmetadata: {name: deep}\nspec:\n  team:\n    ${"- ".repeat(DEEP)}x\n`],
      ["application/yaml", `${"- ".repeat(DEEP)}x\n`],
      ["application/json", JSON.stringify({ ...teamNamespace("deep"), spec: { team: "a", x: 0 } }).replace('"x":0', `"x":${"[".repeat(DEEP)}${"]".repeat(DEEP)}`)],
      ["application/json", "[".repeat(DEEP)],
    ];
    for (const [contentType, body] of bodies) {
      const r = await h.call("POST", "/v1/requests", { body, contentType });
      assert.equal(r.status, 400, `${contentType} ${body.slice(80, 120)}`);
      assert.equal(r.json.code, "NestingTooDeep");
      assert.match(r.json.message, /deeper than 64 levels \(the limit plinth:limits\.maxDepth\)/);
    }
    assert.equal(h.service.applyCalls.length, calls);
    assert.equal((await h.call("GET", "/healthz")).status, 200);
  });

  test("ordinary nesting, block scalars and quoted brackets are not counted as depth", async () => {
    const body = `apiVersion: platform.plinth.dev/v1
kind: TeamNamespace
metadata:
  name: shallow
  labels:
    note: "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
spec:
  team: |
    [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[
    - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -
`;
    const r = await small.call("POST", "/v1/requests?dryRun=true", { body, contentType: "application/yaml" });
    assert.notEqual(r.json?.code, "NestingTooDeep", JSON.stringify(r.json));
    const deeper = await small.call("POST", "/v1/requests", { body: JSON.stringify({ ...teamNamespace("d"), spec: { team: "a", x: [[[[[[[[[[[1]]]]]]]]]]] } }), contentType: "application/json" });
    assert.equal(deeper.status, 400, "the depth limit is configurable");
    assert.equal(deeper.json.details.limit, 10);
  });

  test("open event streams per token (limit 2) → the third is 429 TooManyStreams with Retry-After; closing one frees a slot", async () => {
    const open = () => {
      const ac = new AbortController();
      const res = fetch(small.server.url + "/v1/requests/default/TeamNamespace/s/events", { headers: { Authorization: "Bearer token-admin" }, signal: ac.signal });
      return { ac, res };
    };
    const a = open();
    const b = open();
    assert.equal((await a.res).status, 200);
    assert.equal((await b.res).status, 200);
    const c = await open().res;
    assert.equal(c.status, 429);
    assert.equal(c.headers.get("retry-after"), "5");
    const body = (await c.json()) as { code: string; message: string };
    assert.equal(body.code, "TooManyStreams");
    assert.match(body.message, /limit \(plinth:limits\.maxStreamsPerToken\) is 2/);
    const other = await fetch(small.server.url + "/v1/requests/team-a/TeamNamespace/s/events", { headers: { Authorization: "Bearer token-team-a" } });
    assert.notEqual(other.status, 429, "another token has its own count");
    await other.body?.cancel().catch(() => undefined);
    a.ac.abort();
    let next = 429;
    for (let i = 0; i < 100 && next === 429; i++) {
      await new Promise((r) => setTimeout(r, 20));
      const d = open();
      next = (await d.res).status;
      d.ac.abort();
    }
    assert.equal(next, 200, "a slot is free once a stream closed");
    b.ac.abort();
  });
});
