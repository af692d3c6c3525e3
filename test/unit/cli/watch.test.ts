import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startCli, type CliHarness } from "./cli-harness";

const doc = (name: string) => `apiVersion: platform.plinth.dev/v1\nkind: TeamNamespace\nmetadata: { name: ${name} }\nspec: { team: t }\n`;

describe("plinth --watch follows the SSE stream", () => {
  let c: CliHarness;
  before(async () => {
    c = await startCli();
    // Scripted reconciles start once the CLI watches, so no event is missed however busy the machine is.
    c.service.autoAfterWatch = true;
  });
  after(() => c.close());

  test("apply -w prints progress and exits 0 when Ready", async () => {
    c.service.autoReconcile = "ready";
    const r = await c.run(["apply", "-f", c.write("w.yaml", doc("watched")), "-w"]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split("\n");
    assert.equal(lines[0], "TeamNamespace default/watched created (generation 1)");
    assert.equal(lines[1], "watching TeamNamespace default/watched");
    assert.deepEqual(lines.slice(2, -1).map((l) => l.trim().split(/\s+/)[1]), ["workflow", "status", "engine", "status"]);
    assert.match(lines.at(-2)!, /status +Ready=True Reconciled: all files written$/);
    assert.equal(lines.at(-1), "TeamNamespace default/watched ready");
  });

  test("apply -w exits 2 when Stalled", async () => {
    c.service.autoReconcile = "stalled";
    const r = await c.run(["apply", "-f", c.write("s.yaml", doc("stalls")), "-w"]);
    assert.equal(r.code, 2);
    assert.match(r.stdout, /Stalled=True WorkflowFailed: step render failed: quota too high/);
    assert.match(r.stdout, /default\/stalls stalled\n$/);
  });

  test("get -w on an already Ready request returns at once from the current state", async () => {
    const r = await c.run(["get", "TeamNamespace", "watched", "-w"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /watched +True +- +Reconciled/);
  });

  test("delete -w waits until the request is gone", async () => {
    c.service.autoReconcile = "ready";
    const r = await c.run(["delete", "TeamNamespace", "watched", "-w"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /deleted +request removed/);
    assert.match(r.stdout, /TeamNamespace default\/watched deleted\n$/);
    assert.equal(c.service.objects.has("default/TeamNamespace/watched"), false);
  });

  test("--timeout gives up with WatchTimeout", async () => {
    c.service.autoReconcile = undefined;
    await c.run(["apply", "-f", c.write("n.yaml", doc("never"))]);
    const r = await c.run(["get", "TeamNamespace", "never", "-w", "--timeout", "0.3"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: WatchTimeout: TeamNamespace default\/never did not become ready in time/);
  });
});
