import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { parseAllDocuments } from "yaml";
import { aliasBomb, deepNesting, generateBodies, mutate, otherType, paths, rng } from "../../../tools/reliability/mutate";
import { parseArgs } from "../../../tools/reliability/args";
import { crashFigure, fuzzFigure, racesFigure, tenancyFigure } from "../../../tools/reliability/figures";
import { acknowledged, raceNames, randomOps } from "../../../tools/reliability/races";
import { endpoints } from "../../../tools/reliability/tenancy";
import { crashConfig, crashNames, sideEffectsOf } from "../../../tools/reliability/crash";
import { validatePlatformConfig } from "../../../stacks/platform";
import { readStackConfig } from "../../../stacks/stack-config";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { formatTable, jsonLine } from "../../../tools/bench/report";

const seed = { apiVersion: "plinth.dev/v1alpha1", kind: "TeamNamespace", metadata: { name: "team-a" }, spec: { team: "a", quota: { cpu: "1" } } };

describe("mutation generator", () => {
  test("is deterministic for a seed and varies across seeds", () => {
    const a = generateBodies(50, [{ name: "s", doc: seed }], 7);
    const b = generateBodies(50, [{ name: "s", doc: seed }], 7);
    const c = generateBodies(50, [{ name: "s", doc: seed }], 8);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.map((x) => x.body), c.map((x) => x.body));
  });
  test("covers every kind of mutation and never mutates its seed", () => {
    const before = JSON.stringify(seed);
    const kinds = new Set(generateBodies(600, [{ name: "s", doc: seed }], 1).map((b) => b.kind.split(":")[0]));
    for (const k of ["wrong-type", "missing", "huge-string", "unicode", "deep", "aliases", "multi-doc", "bad-name", "truncated", "namespace", "syntax", "labels"]) assert.ok(kinds.has(k), `${k} in ${[...kinds]}`);
    assert.equal(JSON.stringify(seed), before);
  });
  test("wrong types change the JSON type; paths reach every value", () => {
    const r = rng(3);
    for (const v of [null, 1, "s", [], {}, true]) {
      const kind = (x: unknown) => (x === null ? "null" : Array.isArray(x) ? "array" : typeof x);
      assert.notEqual(kind(otherType(r, v as never)), kind(v));
    }
    assert.deepEqual(paths({ a: [1, { b: 2 }] }), [["a"], ["a", 0], ["a", 1], ["a", 1, "b"]]);
  });
  test("deep nesting is built without recursion, at 50 000 levels", () => {
    assert.equal(deepNesting(50_000, "json-array").length, 100_000);
    assert.equal(deepNesting(3, "json-object"), '{"a":{"a":{"a":1}}}');
    assert.equal(deepNesting(2, "yaml-block"), "k0:\n k1:\n  v");
  });
  test("the alias bomb is valid YAML whose expansion is exponential", () => {
    const doc = parseAllDocuments(aliasBomb(3, 3))[0];
    assert.equal(doc.errors.length, 0);
    assert.equal(JSON.stringify(doc.toJS({ maxAliasCount: -1 }).spec).match(/lol/g)?.length, 9);
  });
  test("a mutated body is text with a content type", () => {
    const r = rng(11);
    for (let i = 0; i < 100; i++) {
      const b = mutate(r, seed, "s");
      assert.equal(typeof b.body, "string");
      assert.match(b.contentType, /^application\/(json|yaml)$/);
    }
  });
});

describe("races bookkeeping", () => {
  test("race names: rounds of `width`, as many as interleavings (the racing team owns exactly these)", () => {
    assert.deepEqual(raceNames(5, 2), ["race-0-0", "race-0-1", "race-1-0", "race-1-1", "race-2-0"]);
    assert.equal(new Set(raceNames(100, 10)).size, 100);
  });
  test("only 2xx writes are acknowledged; reconcile changes nothing", () => {
    assert.deepEqual(acknowledged("POST", 202, "t"), { exists: true, team: "t" });
    assert.deepEqual(acknowledged("PUT", 201, "t"), { exists: true, team: "t" });
    assert.deepEqual(acknowledged("PUT", 200, "t"), { exists: true, team: "t" });
    assert.deepEqual(acknowledged("DELETE", 202, "t"), { exists: false });
    assert.equal(acknowledged("POST", 409, "t"), undefined);
    assert.equal(acknowledged("DELETE", 404, "t"), undefined);
    assert.equal(acknowledged("reconcile", 202, "t"), undefined);
  });
  test("interleavings are 2 to 6 operations", () => {
    const r = rng(5);
    for (let i = 0; i < 200; i++) {
      const ops = randomOps(r);
      assert.ok(ops.length >= 2 && ops.length <= 6);
    }
  });
  test("tenancy covers every route of the API", () => {
    const e = endpoints("alpha", "x");
    for (const p of ["/v1/requests", "/v1/requests/alpha/TeamNamespace/x", "/v1/requests/alpha/TeamNamespace/x/events", "/v1/requests/alpha/TeamNamespace/x/reconcile", "/v1/promises/namespace", "/v1/statestores/default/unowned"]) assert.ok(e.includes(p), p);
  });
});

describe("arguments and figures", () => {
  test("quick mode, --only and env overrides", () => {
    const o = parseArgs(["--quick", "--only", "fuzz,races"], { PLINTH_RELIABILITY_FUZZ_BODIES: "50" });
    assert.equal(o.quick, true);
    assert.deepEqual([...o.only], ["fuzz", "races"]);
    assert.equal(o.sizes.fuzzBodies, 50);
    assert.equal(parseArgs([]).sizes.fuzzBodies, 2000);
    assert.ok(parseArgs([]).sizes.races >= 100 && parseArgs([]).sizes.kills >= 20);
    assert.throws(() => parseArgs(["--only", "nope"]), /unknown figure "nope"/);
    assert.throws(() => parseArgs([], { PLINTH_RELIABILITY_KILLS: "x" }), /PLINTH_RELIABILITY_KILLS=x/);
  });
  test("a figure is ok only when its invariant holds and it ran its size", () => {
    const base = { bodies: 2000, byStatus: { "400": 1500, "422": 500 }, accepted: 0, rejectedBatches: 40, rejectedBatchCommits: 0, rejectedBatchRequests: 0, failures: [] };
    assert.equal(fuzzFigure(base, 2000).ok, true);
    assert.equal(fuzzFigure({ ...base, byStatus: { ...base.byStatus, "500": 1 } }, 2000).ok, false);
    assert.equal(fuzzFigure({ ...base, rejectedBatchCommits: 1 }, 2000).ok, false);
    assert.equal(fuzzFigure(base, 3000).ok, false, "fewer bodies than asked");
    assert.equal(racesFigure({ interleavings: 100, operations: 400, acknowledged: 300, lost: [], unsettled: [], responses5xx: 0 }, 100).ok, true);
    assert.equal(racesFigure({ interleavings: 100, operations: 400, acknowledged: 300, lost: ["x"], unsettled: [], responses5xx: 0 }, 100).ok, false);
    assert.equal(tenancyFigure({ probes: 10, crossReads: [], crossWrites: [], escapes: 3, escapesCommitted: ["e"], responses5xx: 0 }).ok, false);
    assert.equal(crashFigure({ kills: 20, acknowledged: 50, unconverged: [], sideEffects: 0, duplicateOrMissing: [], lockedStacks: [] }, 20).ok, true);
  });
  test("one JSON line per figure with ok, and a table titled for the suite", () => {
    const f = racesFigure({ interleavings: 1, operations: 2, acknowledged: 2, lost: [], unsettled: [], responses5xx: 0 }, 1);
    const line = JSON.parse(jsonLine(f, { cores: 2, load1: 1 })) as Record<string, unknown>;
    assert.equal(line.figure, "races");
    assert.equal(line.ok, true);
    const table = formatTable([f], { cores: 2 }, "Plinth reliability");
    assert.match(table, /^Plinth reliability \(2 cores\)/);
    assert.match(table, /races\s+1 interleavings/);
  });
});

describe("crash set-up", () => {
  test("the config is the local one with the burst's names owned by dev and web-app's Slack and Zendesk on the receivers", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plinth-crash-unit-"));
    try {
      const file = path.join(dir, "Pulumi.crash.yaml");
      fs.writeFileSync(file, crashConfig(path.resolve(__dirname, "../../.."), crashNames(2, 2), "http://127.0.0.1:1", "http://127.0.0.1:2"));
      const raw = readStackConfig(file);
      const cfg = validatePlatformConfig(raw);
      assert.deepEqual(cfg.teams[0].namespaces.slice(-4), ["crash-0-0", "crash-0-1", "crash-1-0", "crash-1-1"]);
      const web = cfg.promises.find((p) => p.name === "web-app")!;
      assert.equal((web.config as { notifications: { slack: { baseUrl: string } } }).notifications.slack.baseUrl, "http://127.0.0.1:1");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  test("side effects are counted per app: top-level announcements (not thread replies) and tickets", () => {
    const slack = { messages: [{ channel: "C", ts: "1", text: "Web app crash-app-0 (image x) of team default is being deployed by Plinth." }, { channel: "C", ts: "2", thread_ts: "1", text: "Web app crash-app-0 changed" }, { channel: "C", ts: "3", text: "Web app crash-app-01 (image x)" }] };
    const zendesk = { tickets: new Map([[1, { id: 1, subject: "Web app default/crash-app-0 provisioned", status: "new", tags: [], requester: { email: "x@y.z" }, comments: [] }]]) };
    assert.deepEqual(sideEffectsOf(slack, zendesk, "crash-app-0"), { slack: 1, zendesk: 1 });
    assert.deepEqual(sideEffectsOf(slack, zendesk, "crash-app-1"), { slack: 0, zendesk: 0 });
  });
});
