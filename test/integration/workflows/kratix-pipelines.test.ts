/**
 * Kratix pipeline scripts (test/fixtures/kratix/pipelines, written as for Kratix pipeline images) run
 * unchanged as command steps through the whole platform; their output, step logs and workflow control.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import YAML from "yaml";
import { z } from "zod";
import { main as plinth } from "../../../cli/main";
import { definePromise } from "../../../components/promise";
import type { AnyPromise } from "../../../components/promise/types";
import { commandStep } from "../../../components/workflow";
import { REPO_ROOT } from "../../support/pulumi";
import { startTestPlatform, treeOf, type TestPlatform } from "../../support/platform";

const script = (name: string) => ["/bin/sh", path.join(REPO_ROOT, "test/fixtures/kratix/pipelines", name)];

const demoPromise = definePromise({
  name: "kratix-demo",
  version: "1.0.0",
  api: {
    group: "demo.plinth.dev",
    version: "v1",
    kind: "Demo",
    plural: "demos",
    spec: z.object({ size: z.string().default("1Gi"), lines: z.number().int().min(0).default(0), control: z.enum(["none", "retry", "suspend"]).default("none") }),
  },
  workflows: {
    resource: {
      configure: [
        {
          name: "instance-configure",
          steps: [
            commandStep("configure", { command: script("instance-configure.sh"), image: "ghcr.io/example/demo-configure:v1" }),
            commandStep("chatty", { command: script("chatty.sh"), timeoutMs: 120_000 }),
            { name: "note", render: ({ object, log }) => (log(`rendered a note for ${object.metadata.name}`), {}) },
            commandStep("control", { command: script("workflow-control.sh") }),
          ],
        },
        {
          name: "second",
          steps: [{ name: "render", render: ({ object }) => ({ files: { "second.yaml": { apiVersion: "v1", kind: "ConfigMap", metadata: { name: `${object.metadata.name}-second`, namespace: object.metadata.namespace } } } }) }],
        },
      ],
    },
  },
}) as AnyPromise;

const config = {
  stateStores: [{ name: "default", embedded: true }],
  destinations: [{ name: "dev", labels: { env: "dev" } }],
  promises: [{ name: "kratix-demo" }],
  teams: [{ name: "dev", namespaces: ["default"] }],
};

type Status = { files: { path: string }[]; conditions: { type: string; status: string; reason: string; message: string }[]; nextRunTime?: string; ranAt?: string; size?: string; configuredBy?: string; history?: { reason: string }[] };
type Got = { metadata: { labels?: Record<string, string>; generation: number }; status: Status };

describe("Kratix pipeline scripts, step logs and workflow control", () => {
  let t: TestPlatform;
  const call = (method: string, p: string, body?: unknown) =>
    fetch(`${t.platform.url}${p}`, { method, headers: { authorization: `Bearer ${t.platform.devToken}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  const get = async (name: string) => {
    const res = await call("GET", `/v1/requests/default/Demo/${name}`);
    return res.status === 404 ? undefined : ((await res.json()) as Got);
  };
  const create = async (name: string, spec: Record<string, unknown>, labels?: Record<string, string>) =>
    assert.equal((await call("POST", "/v1/requests", { apiVersion: "demo.plinth.dev/v1", kind: "Demo", metadata: { name, ...(labels ? { labels } : {}) }, spec })).status, 202);
  const cond = (s: Status | undefined, type: string) => s?.conditions.find((c) => c.type === type);
  const until = async (what: string, check: () => Promise<boolean>, ms = 60_000) => {
    const end = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const cli = async (...args: string[]) => {
    let out = "";
    let err = "";
    const code = await plinth(args, { env: { PLINTH_URL: t.platform.url, PLINTH_TOKEN: t.platform.devToken }, stdout: (s) => void (out += s), stderr: (s) => void (err += s) });
    return { code, out, err };
  };

  before(async () => {
    t = await startTestPlatform({ catalogue: { "kratix-demo": demoPromise } });
    await t.platform.up(config);
    await t.platform.serve({ retryBaseMs: 50 });
  });
  after(async () => t?.cleanup());

  test("Kratix-style scripts read /kratix/input and write /kratix/output and /kratix/metadata unchanged; the output lands in Git", async () => {
    await create("alpha", { size: "5Gi" });
    await t.platform.service!.idle();
    const got = (await get("alpha"))!;
    assert.equal(cond(got.status, "Ready")?.status, "True", JSON.stringify(got.status.conditions));
    assert.equal(got.status.size, "5Gi", "status.yaml fields are on the request's status");
    assert.equal(got.status.configuredBy, "instance-configure");
    const file = got.status.files.find((f) => f.path.endsWith("/configmap.yaml"))!;
    assert.match(file.path, /^dev\/resources\/default\/kratix-demo\/alpha\/instance-configure\//);
    const cm = YAML.parse(fs.readFileSync(path.join(await t.clone(), file.path), "utf8"));
    assert.deepEqual(cm, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "alpha-config", namespace: "default" }, data: { size: "5Gi", pipeline: "instance-configure", action: "resource-configure" } });

    const { code, out } = await cli("logs", "demo", "alpha");
    assert.equal(code, 0, out);
    assert.match(out, /^\[instance-configure\/configure\] Configuring Demo default\/alpha for promise kratix-demo \(demos\.demo\.plinth\.dev\)$/m);
    assert.match(out, /^\[instance-configure\/note\] rendered a note for alpha$/m, "a render step's log call");
    assert.match(out, /^\[instance-configure\/control\] workflow control: none$/m);
  });

  test("a step printing 10 000 lines: `plinth logs -f` streams all of them live; the stored log is capped with a marker", async () => {
    await create("chatty", { lines: 10_000 });
    const { code, out, err } = await cli("logs", "demo", "chatty", "-f", "--step", "chatty");
    assert.equal(code, 0, err);
    const lines = out.split("\n").filter((l) => /^line \d{5}: /.test(l));
    assert.equal(lines.length, 10_000, "every line arrived live");
    assert.equal(lines[0].slice(0, 10), "line 00001");
    assert.equal(lines[9_999].slice(0, 10), "line 10000");
    await t.platform.service!.idle();

    const stored = await cli("logs", "demo", "chatty", "--step", "chatty", "--generation", "1");
    assert.equal(stored.code, 0, stored.err);
    const kept = stored.out.split("\n").filter((l) => /^line \d{5}: /.test(l));
    assert.ok(kept.length > 1000 && kept.length < 10_000, `kept ${kept.length} lines`);
    assert.match(stored.out, /\[log of step instance-configure\/chatty truncated: it printed more than \d+ bytes; the rest is not kept\]/);
    const d = await cli("describe", "demo", "chatty");
    assert.match(d.out, /Step Logs \(generation 1\):/);
    assert.match(d.out, /truncated/);
  });

  test("`suspend: true` stops the workflow and leaves the request Suspended; the manual-reconciliation label re-runs it and is removed", async () => {
    await create("paused", { control: "suspend" });
    await until("Suspended", async () => cond((await get("paused"))?.status, "Suspended")?.status === "True");
    const got = (await get("paused"))!;
    assert.equal(cond(got.status, "Ready")?.status, "False");
    assert.equal(cond(got.status, "Ready")?.reason, "Suspended");
    assert.match(cond(got.status, "Suspended")!.message, /waiting for approval/);
    const tree = treeOf(await t.clone(), "dev/resources/default/kratix-demo/paused");
    assert.ok(tree.some((f) => f.endsWith("/configmap.yaml")), "the suspending pipeline's output is written");
    assert.ok(!tree.some((f) => f.endsWith("/second.yaml")), "the pipeline after it did not run");
    const ranAt = got.status.ranAt;
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal((await get("paused"))!.status.ranAt, ranAt, "a suspended workflow does not run again by itself");

    const put = await call("PUT", "/v1/requests/default/Demo/paused", { apiVersion: "demo.plinth.dev/v1", kind: "Demo", metadata: { name: "paused", labels: { "kratix.io/manual-reconciliation": "true" } }, spec: { control: "suspend" } });
    assert.equal(put.status, 200, await put.clone().text());
    await until("a re-run", async () => (await get("paused"))?.status.ranAt !== ranAt);
    await until("the label to be removed", async () => (await get("paused"))?.metadata.labels?.["kratix.io/manual-reconciliation"] === undefined);
  });

  test("`retryAfter: 2s` runs the workflow again after 2 s, showing the next run time", async () => {
    await create("again", { control: "retry" });
    await until("a first run", async () => (await get("again"))?.status.nextRunTime !== undefined);
    const first = (await get("again"))!.status;
    assert.ok(Date.parse(first.nextRunTime!) > Date.now() - 5000);
    await until("a second run by itself", async () => {
      const s = (await get("again"))?.status;
      return s?.ranAt !== undefined && s.ranAt !== first.ranAt;
    });
    const s = (await get("again"))!.status;
    assert.ok((s.history ?? []).filter((h) => h.reason === "RetryAfter").length >= 2);
    assert.equal(cond(s, "Ready")?.status, "True");
    assert.equal((await call("DELETE", "/v1/requests/default/Demo/again")).status, 202);
    await until("deleted", async () => (await get("again")) === undefined);
  });
});
