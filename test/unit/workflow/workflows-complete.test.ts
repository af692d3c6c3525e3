/** Pure parts of delete workflows, step logs and workflow control. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runDeleteWorkflow } from "../../../components/workflow/delete-run";
import { credentialValues, secretEnvValues } from "../../../components/workflow/secrets";
import { objectEnv, resetKratixMountProbe } from "../../../components/workflow/actions/kratix-mount";
import { checkInstallation } from "../../../components/promise/install-plan";
import { commandStep } from "../../../components/workflow";
import { z } from "zod";
import { runPipelines } from "../../../components/workflow/run";
import { StepLogStore, matchesStep } from "../../../service/core/step-logs";
import { applyWorkflowControl, withoutManualReconciliation, workflowStatusFields } from "../../../service/core/workflow-control";
import { backoffDelay, deleteFailedStatus } from "../../../service/core/delete-workflow";
import { emptyStatus } from "../../../service/core/store";
import type { ActionHandler } from "../../../components/workflow/actions/types";

const obj = { apiVersion: "demo.plinth.dev/v1", kind: "Demo", metadata: { name: "a", namespace: "team-a" }, spec: {} };

describe("step logs", () => {
  test("each step keeps at most maxStepBytes, then one marker; a new run of a phase replaces its log", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plinth-steplogs-"));
    try {
      const logs = new StepLogStore(dir, { maxStepBytes: 100 });
      logs.begin("s", 1, "configure");
      for (let i = 0; i < 20; i++) logs.append("s", 1, "configure", { step: "p/chatty", stream: "stdout", text: `line ${String(i).padStart(2, "0")}\n` });
      logs.append("s", 1, "configure", { step: "p/quiet", stream: "log", text: "hello\n" });
      const { generation, entries } = logs.read("s");
      assert.equal(generation, 1);
      const chatty = entries.filter((e) => e.step === "p/chatty");
      const text = chatty.map((e) => e.text).join("");
      assert.ok(Buffer.byteLength(text.replace(/\[log of step[^\n]*\n/, "")) <= 100);
      assert.match(text, /^line 00\n/);
      assert.match(text, /\[log of step p\/chatty truncated: it printed more than 100 bytes; the rest is not kept\]\n$/);
      assert.equal(chatty.filter((e) => e.stream === "plinth").length, 1, "one marker");
      assert.deepEqual(logs.read("s", { step: "quiet" }).entries.map((e) => e.text), ["hello\n"]);
      logs.append("s", 2, "delete", { step: "d/x", stream: "stderr", text: "bye\n" });
      assert.deepEqual(logs.generations("s"), [1, 2]);
      logs.begin("s", 1, "configure");
      assert.deepEqual(logs.read("s", { generation: 1 }).entries, []);
      logs.remove("s");
      assert.deepEqual(logs.generations("s"), []);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("--step matches the step name with or without its pipeline", () => {
    assert.ok(matchesStep("instance-configure/chatty", "chatty"));
    assert.ok(matchesStep("instance-configure/chatty", "instance-configure/chatty"));
    assert.ok(!matchesStep("instance-configure/chatty", "hatty"));
  });

  test("render steps' log calls reach the sink with secrets from the config redacted", async () => {
    const got: string[] = [];
    await runPipelines({
      pipelines: [{ name: "p", steps: [{ name: "r", render: ({ log, config }) => (log(`using ${(config as { apiToken: string }).apiToken}`), {}) }] }],
      object: obj,
      config: { apiToken: "tok-abcdef" },
      log: (e) => got.push(`${e.step} ${e.stream} ${e.text}`),
    });
    assert.deepEqual(got, ["p/r log using [REDACTED]"]);
  });
});

describe("secrets and Kratix environment", () => {
  test("credential-like keys anywhere, and secret-looking env vars", () => {
    assert.deepEqual(credentialValues({ a: { apiToken: "t1234", name: "x" }, list: [{ password: "p4ssw0rd" }], short: { token: "ab" } }), ["t1234", "p4ssw0rd"]);
    assert.deepEqual(secretEnvValues({ DB_PASSWORD: "hunter22", GITHUB_TOKEN: "ghp_x1", SIZE: "10Gi" }), ["hunter22", "ghp_x1"]);
  });
  test("KRATIX_OBJECT_* from the object", () => {
    assert.deepEqual(objectEnv(obj), { KRATIX_OBJECT_KIND: "Demo", KRATIX_OBJECT_GROUP: "demo.plinth.dev", KRATIX_OBJECT_VERSION: "v1", KRATIX_OBJECT_NAME: "a", KRATIX_OBJECT_NAMESPACE: "team-a" });
    assert.equal(objectEnv({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" } }).KRATIX_OBJECT_GROUP, "");
  });
});

const HOOK = { url: "http://127.0.0.1:9/hook", secret: "s3cret-value", object: { kind: "Demo" } };

describe("delete workflows", () => {
  const recorder = () => {
    const calls: unknown[] = [];
    const handler: ActionHandler<{ url: string }, { id: string }> = {
      kind: "webhook",
      validate: (i) => (typeof (i as { url?: unknown }).url === "string" ? { inputs: i as { url: string } } : { issues: [{ path: ["url"], message: "required" }] }),
      create: async (i) => (calls.push(i), { id: "1" }),
      update: async (s) => s,
      delete: async () => undefined,
    };
    return { calls, handlers: { webhook: handler } };
  };

  test("actions a delete pipeline declares run once, at once; status and files are only reported", async () => {
    const { calls, handlers } = recorder();
    const r = await runDeleteWorkflow({
      scope: "resource",
      object: obj,
      config: {},
      handlers,
      pipelines: [{ name: "instance-delete", steps: [{ name: "note", render: () => ({ status: { gone: true } }) }, { kind: "webhook", name: "tell", inputs: HOOK }] }],
    });
    assert.deepEqual(calls, [HOOK]);
    assert.deepEqual(r.actions, { "instance-delete/tell": { id: "1" } });
    assert.equal(r.workflow.status.gone, true);
  });

  test("a failing step fails the delete workflow naming it; actions after it do not run", async () => {
    const { calls, handlers } = recorder();
    await assert.rejects(
      runDeleteWorkflow({
        scope: "resource",
        object: obj,
        config: {},
        handlers,
        pipelines: [{ name: "d", steps: [{ name: "boom", render: () => { throw new Error("backup not done"); } }, { kind: "webhook", name: "tell", inputs: HOOK }] }],
      }),
      /pipeline "d" step "boom": failed: backup not done/,
    );
    assert.deepEqual(calls, []);
    await assert.rejects(runDeleteWorkflow({ scope: "resource", object: obj, config: {}, handlers, pipelines: [{ name: "d", steps: [{ kind: "webhook", name: "tell", inputs: { ...HOOK, url: 7 } }] }] }), /step "tell".*url/);
  });

  test("DeleteFailed status and capped exponential backoff", () => {
    const s = deleteFailedStatus(emptyStatus(), "step x failed", 3, 4000);
    const stalled = s.conditions.find((c) => c.type === "Stalled")!;
    assert.equal(stalled.reason, "DeleteFailed");
    assert.equal(stalled.message, "step x failed");
    assert.ok(s.nextRunTime && s.history?.[0].reason === "DeleteFailed");
    const b = { limit: 3, initialMs: 100, maxMs: 1000 };
    assert.ok(backoffDelay(b, 1) >= 75 && backoffDelay(b, 1) <= 125);
    assert.ok(backoffDelay(b, 10) <= 1250);
  });
});

describe("workflow control", () => {
  test("suspend adds a Suspended condition; retryAfter sets nextRunTime and the delay", () => {
    const base = emptyStatus();
    const suspended = applyWorkflowControl(base, { suspended: true, message: "approval" });
    assert.equal(suspended.status.conditions.find((c) => c.type === "Suspended")?.status, "True");
    assert.equal(suspended.rerunInMs, undefined);
    const resumed = applyWorkflowControl(suspended.status, { suspended: false });
    assert.equal(resumed.status.conditions.find((c) => c.type === "Suspended")?.status, "False");
    const retry = applyWorkflowControl(base, { suspended: false, retryAfter: "1m30s" }, 0);
    assert.equal(retry.rerunInMs, 90_000);
    assert.equal(retry.status.nextRunTime, new Date(90_000).toISOString());
    assert.equal(applyWorkflowControl(retry.status, undefined).status.nextRunTime, undefined);
  });

  test("the manual-reconciliation label is taken only when \"true\"", () => {
    const o = { apiVersion: "v", kind: "K", metadata: { name: "n", namespace: "d", generation: 1, uid: "u", creationTimestamp: "", resourceVersion: "1", labels: { a: "b", "kratix.io/manual-reconciliation": "true" } }, spec: {} };
    assert.deepEqual(withoutManualReconciliation(o)?.metadata.labels, { a: "b" });
    assert.equal(withoutManualReconciliation({ ...o, metadata: { ...o.metadata, labels: { "kratix.io/manual-reconciliation": "false" } } }), undefined);
  });

  test("workflow status fields pass through, Plinth's own do not", () => {
    assert.deepEqual(workflowStatusFields({ size: "5Gi", conditions: [], message: "x", placements: [], ranAt: "1" }), { size: "5Gi", ranAt: "1" });
  });
});

describe("installing a Promise with command steps", () => {
  test("fails with a clear message where no mount namespace is available, and passes where one is", () => {
    const promise = {
      name: "scripted",
      version: "1.0.0",
      api: { group: "demo.plinth.dev", version: "v1", kind: "Scripted", spec: z.object({}) },
      workflows: { resource: { configure: [{ name: "p", steps: [commandStep("s", { script: "true" })] }] } },
    };
    const args = { promise, destinations: [{ name: "dev", labels: {}, path: "dev", strictMatchLabels: false, stateStore: "default" }], store: "default" };
    const path0 = process.env.PATH;
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "plinth-nopath-"));
    try {
      process.env.PATH = empty; // no `unshare` to be found
      resetKratixMountProbe();
      assert.throws(() => checkInstallation(args), (err: Error & { code?: string }) => err.code === "KratixMountUnavailable" && /Promise "scripted" has command steps.*\/kratix\/input.*Run Plinth as root, or allow unprivileged user namespaces/.test(err.message));
    } finally {
      process.env.PATH = path0;
      resetKratixMountProbe();
      fs.rmSync(empty, { recursive: true, force: true });
    }
    assert.doesNotThrow(() => checkInstallation(args));
  });
});
