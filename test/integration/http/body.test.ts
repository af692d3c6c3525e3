import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as http from "node:http";
import { startHarness, TEAM_A_YAML, teamNamespace, type Harness } from "./harness";

describe("request bodies over a real socket", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  test("multi-document YAML makes two applies and answers {items}", async () => {
    const calls = h.service.applyCalls.length;
    const body = TEAM_A_YAML + "---\n" + TEAM_A_YAML.replace("name: team-a", "name: team-a2") + "---\n";
    const r = await h.call("POST", "/v1/requests", { body, contentType: "application/yaml", token: "token-team-a" });
    assert.equal(r.status, 202);
    assert.deepEqual(r.json.items.map((i: { name: string }) => i.name), ["team-a", "team-a2"]);
    assert.equal(h.service.applyCalls.length, calls + 2);
  });

  test("x-yaml and text/yaml are accepted; JSON {items} and kind: List expand", async () => {
    for (const [i, ct] of ["application/x-yaml", "text/yaml"].entries()) {
      const r = await h.call("POST", "/v1/requests", { body: TEAM_A_YAML.replace("name: team-a", `name: y${i}`), contentType: ct });
      assert.equal(r.status, 202, ct);
    }
    const list = await h.call("POST", "/v1/requests", {
      body: JSON.stringify({ apiVersion: "v1", kind: "List", items: [teamNamespace("l1"), teamNamespace("l2")] }),
      contentType: "application/json",
    });
    assert.deepEqual(list.json.items.map((i: { name: string }) => i.name), ["l1", "l2"]);
    const items = await h.call("POST", "/v1/requests", { body: JSON.stringify({ items: [teamNamespace("i1")] }), contentType: "application/json" });
    assert.equal(items.status, 202);
    assert.equal(items.json.name, "i1");
  });

  test("a failing later document names its index and lists the accepted ones", async () => {
    const body = [teamNamespace("ok-1"), teamNamespace("BAD NAME")].map((o) => JSON.stringify(o)).join("\n---\n");
    const r = await h.call("POST", "/v1/requests", { body, contentType: "application/yaml" });
    assert.equal(r.status, 422);
    assert.match(r.json.message, /^document 2 of 2/);
    assert.equal(r.json.details.documentIndex, 1);
    assert.deepEqual(r.json.details.accepted.map((a: { name: string }) => a.name), ["ok-1"]);
    assert.deepEqual(r.json.details.issues[0].path, ["metadata", "name"]);
  });

  test("malformed YAML is 400 MalformedBody naming the line", async () => {
    const body = "apiVersion: v1\nkind: TeamNamespace\nmetadata:\n  name: [unclosed\nspec: {}\n";
    const r = await h.call("POST", "/v1/requests", { body, contentType: "application/yaml" });
    assert.equal(r.status, 400);
    assert.equal(r.json.code, "MalformedBody");
    assert.match(r.json.message, /line \d+, column \d+/);
    assert.equal(typeof r.json.details.line, "number");
    const second = await h.call("POST", "/v1/requests", { body: TEAM_A_YAML + "---\nkey: : bad\n", contentType: "application/yaml" });
    assert.equal(second.status, 400);
    assert.match(second.json.message, /^YAML document 2 is malformed at line 9, column \d+: [^:]+$/);
  });

  test("bad JSON, a scalar and an empty body are 400", async () => {
    assert.equal((await h.call("POST", "/v1/requests", { body: "{oops", contentType: "application/json" })).json.code, "MalformedBody");
    assert.equal((await h.call("POST", "/v1/requests", { body: "42", contentType: "application/json" })).json.code, "MalformedBody");
    assert.equal((await h.call("POST", "/v1/requests", { body: "---\n", contentType: "application/yaml" })).json.code, "EmptyBody");
  });

  test("text/plain is 415", async () => {
    const r = await h.call("POST", "/v1/requests", { body: TEAM_A_YAML, contentType: "text/plain" });
    assert.equal(r.status, 415);
    assert.equal(r.json.code, "UnsupportedMediaType");
  });

  test("a 2 MiB body with Content-Length is refused with 413", async () => {
    const big = JSON.stringify({ x: "a".repeat(2 * 1024 * 1024) });
    const r = await h.call("POST", "/v1/requests", { body: big, contentType: "application/json" });
    assert.equal(r.status, 413);
    assert.equal(r.json.code, "PayloadTooLarge");
    assert.equal((await h.call("GET", "/healthz")).status, 200, "server still serves");
  });

  test("a chunked 2 MiB body is answered 413 before the client has sent it all", async () => {
    const chunk = Buffer.alloc(64 * 1024, "a");
    const { status, sentBeforeAnswer } = await new Promise<{ status: number; sentBeforeAnswer: number }>((resolve, reject) => {
      let sent = 0;
      const req = http.request(h.server.url + "/v1/requests", {
        method: "POST",
        headers: { Authorization: "Bearer token-admin", "Content-Type": "application/json", "Transfer-Encoding": "chunked" },
      });
      req.on("response", (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, sentBeforeAnswer: sent });
        req.destroy();
      });
      req.on("error", (e) => (sent >= 2 * 1024 * 1024 ? undefined : reject(e)));
      // Send 1.25 MiB, then hold the rest back: only an early answer lets this test finish.
      for (let i = 0; i < 20; i++) {
        req.write(chunk);
        sent += chunk.length;
      }
    });
    assert.equal(status, 413);
    assert.ok(sentBeforeAnswer < 2 * 1024 * 1024, `answered after ${sentBeforeAnswer} bytes`);
    assert.equal(h.service.applyCalls.every((c) => JSON.stringify(c.object).length < 1024 * 1024), true);
  });
});
