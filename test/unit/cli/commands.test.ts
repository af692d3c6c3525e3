import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { TEAM_A_YAML } from "../../integration/http/harness";
import { startCli, type CliHarness } from "./cli-harness";

const TWO_DOCS = `apiVersion: platform.plinth.dev/v1
kind: TeamNamespace
metadata: { name: web }
spec: { team: web, quota: 3 }
---
apiVersion: platform.plinth.dev/v1
kind: TeamNamespace
metadata: { name: api, namespace: team-a }
spec: { team: api }
`;

describe("plinth CLI against the real API server", () => {
  let c: CliHarness;
  before(async () => {
    c = await startCli();
  });
  after(() => c.close());

  test("apply -f file creates each document, a second apply configures", async () => {
    const file = c.write("two.yaml", TWO_DOCS);
    const r = await c.run(["apply", "-f", file]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "TeamNamespace default/web created (generation 1)\nTeamNamespace team-a/api created (generation 1)\n");
    assert.deepEqual(c.service.applyCalls.slice(-2).map((a) => a.mode), ["upsert", "upsert"]);
    const again = await c.run(["apply", "-f", "two.yaml"]); // relative to cwd
    assert.equal(again.stdout.split("\n")[0], "TeamNamespace default/web configured (generation 1)");
  });

  test("apply -f - reads stdin", async () => {
    const r = await c.run(["apply", "-f", "-"], { stdin: TEAM_A_YAML.replace("name: team-a", "name: from-stdin") });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /team-a\/from-stdin created/);
  });

  test("get prints a table; -n filters; -o json gives the object", async () => {
    c.service.reconcile({ namespace: "default", kind: "TeamNamespace", name: "web" }, "ready");
    const r = await c.run(["get"]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split("\n");
    assert.deepEqual(lines[0].split(/\s{2,}/), ["NAMESPACE", "KIND", "NAME", "READY", "APPLIED", "REASON", "DESTINATIONS", "AGE"]);
    const web = lines.find((l) => / web /.test(l))!.split(/\s{2,}/);
    // The fake created it 90 s before its clock; the CLI reads the real clock a moment later (formatAge itself is in format.test.ts).
    assert.deepEqual(web.slice(0, 7), ["default", "TeamNamespace", "web", "True", "-", "Reconciled", "local-1"]);
    assert.match(web[7], /^(9\d|1\d\d)s$/);
    const api = lines.find((l) => / api /.test(l))!.split(/\s{2,}/);
    assert.deepEqual(api.slice(3, 7), ["Unknown", "-", "-", "-"]);

    const ns = await c.run(["get", "teamnamespaces", "-n", "team-a"]);
    assert.ok(!ns.stdout.includes(" web "));
    assert.ok(ns.stdout.includes(" api "));

    const one = await c.run(["get", "TeamNamespace", "web", "-o", "json"]);
    assert.equal(JSON.parse(one.stdout).spec.quota, 3);
  });

  test("describe shows conditions, destinations, files and outputs", async () => {
    const r = await c.run(["describe", "TeamNamespace", "web"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Name: +web$/m);
    assert.match(r.stdout, /^Generation: +1 \(observed 1\)$/m);
    assert.match(r.stdout, /^Conditions:\n  TYPE +STATUS +REASON/m);
    assert.match(r.stdout, /^  Ready +True +Reconciled +\d+s +all files written$/m);
    assert.match(r.stdout, /^Destinations:\n  local-1$/m);
    assert.match(r.stdout, /^  local-1 +local-1\/resources\/x\/namespace.yaml +0123456789ab$/m);
    assert.match(r.stdout, /^Outputs:\n  namespace: web$/m);
  });

  test("preview prints files with their diffs", async () => {
    const file = c.write("one.yaml", TEAM_A_YAML);
    const r = await c.run(["preview", "-f", file]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^TeamNamespace team-a\/team-a$/m);
    assert.match(r.stdout, /^    \+ create +local-1: local-1\/resources\/team-a/m);
    assert.match(r.stdout, /^        \+team: a$/m);
    assert.match(r.stdout, /slack notify/);
  });

  test("delete queues the delete", async () => {
    const r = await c.run(["delete", "TeamNamespace", "from-stdin", "-n", "team-a"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "TeamNamespace team-a/from-stdin deletion queued\n");
    const g = await c.run(["get", "TeamNamespace", "from-stdin", "-n", "team-a"]);
    assert.match(g.stdout, /Deleting/);
  });

  test("a 422 prints error: code: message and the field paths, exit 1", async () => {
    const file = c.write("bad.yaml", "apiVersion: platform.plinth.dev/v1\nkind: TeamNamespace\nmetadata: { name: bad }\nspec: { quota: 0 }\n");
    const r = await c.run(["apply", "-f", file]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    const lines = r.stderr.trimEnd().split("\n");
    assert.match(lines[0], /^error: ValidationFailed: request is invalid/);
    assert.deepEqual(lines.slice(1).map((l) => l.split(":")[0]).sort(), ["  spec.quota", "  spec.team"]);
  });

  test("other errors: 404, 403, malformed file, usage, unknown command", async () => {
    const nf = await c.run(["describe", "TeamNamespace", "ghost"]);
    assert.equal(nf.code, 1);
    assert.match(nf.stderr, /^error: RequestNotFound: /);
    const fb = await c.run(["get", "TeamNamespace", "web"], { token: "token-team-a" });
    assert.match(fb.stderr, /^error: Forbidden: team team-a may not use namespace "default"/);
    const bad = await c.run(["apply", "-f", c.write("broken.yaml", "a: [\n")]);
    assert.match(bad.stderr, /^error: MalformedBody: .*broken\.yaml: YAML document 1 is malformed at line \d+/);
    const use = await c.run(["describe", "TeamNamespace"]);
    assert.match(use.stderr, /^error: Usage: expected <kind> <name>/);
    assert.equal((await c.run(["frobnicate"])).code, 1);
    const unauth = await c.run(["promises"], { token: "wrong" });
    assert.match(unauth.stderr, /^error: Unauthorized: invalid bearer token/);
  });

  test("promises and destinations tables", async () => {
    const p = await c.run(["promises"]);
    assert.match(p.stdout, /^team-namespace +1\.0\.0 +TeamNamespace +platform\.plinth\.dev\/v1 +local-1$/m);
    const d = await c.run(["destinations", "-o", "yaml"]);
    assert.match(d.stdout, /name: local-1/);
  });
});
