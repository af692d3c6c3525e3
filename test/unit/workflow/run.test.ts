import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as YAML from "yaml";
import { runPipelines, registerStepKind, unregisterStepKind, WorkflowStepError, parseDuration } from "../../../components/workflow";
import type { Pipeline, WorkflowObject } from "../../../components/workflow";

const obj: WorkflowObject = { apiVersion: "plinth.dev/v1alpha1", kind: "Thing", metadata: { name: "a", namespace: "default" }, spec: { size: 2 } };

describe("runPipelines", () => {
  test("files accumulate, objects become YAML, multi-doc arrays, null removes, later steps see earlier files", async () => {
    const seen: Record<string, string>[] = [];
    const p: Pipeline = {
      name: "configure",
      steps: [
        { name: "one", render: () => ({ files: { "a.yaml": { kind: "ConfigMap", metadata: { name: "x" } }, "raw.txt": "hello", "gone.txt": "x" } }) },
        {
          name: "two",
          render: ({ files, object }) => {
            seen.push(files);
            return { files: { "multi.yaml": [{ a: 1 }, { b: (object.spec as { size: number }).size }], "gone.txt": null } };
          },
        },
      ],
    };
    const r = await runPipelines({ pipelines: [p], object: obj, config: {} });
    assert.equal(r.pipelines.length, 1);
    const files = r.pipelines[0].files;
    assert.deepEqual(Object.keys(files).sort(), ["a.yaml", "multi.yaml", "raw.txt"]);
    assert.deepEqual(YAML.parse(files["a.yaml"]), { kind: "ConfigMap", metadata: { name: "x" } });
    assert.equal(files["raw.txt"], "hello");
    assert.deepEqual(YAML.parseAllDocuments(files["multi.yaml"]).map((d) => d.toJSON()), [{ a: 1 }, { b: 2 }]);
    assert.equal(seen[0]["raw.txt"], "hello");
    assert.ok("gone.txt" in seen[0]);
  });

  test("status merges deeply across steps and pipelines; conditions merge by type; each pipeline has its own files", async () => {
    const statuses: unknown[] = [];
    const r = await runPipelines({
      object: { ...obj, status: { keep: true } },
      config: { region: "eu" },
      pipelines: [
        {
          name: "first",
          steps: [
            { name: "s1", render: () => ({ status: { endpoint: { host: "h", port: 1 } }, conditions: [{ type: "A", status: "False" }], files: { "f1": "1" } }) },
            { name: "s2", render: () => ({ status: { endpoint: { port: 2 }, list: [1, 2] }, conditions: [{ type: "A", status: "True" }, { type: "B", status: "True" }] }) },
          ],
        },
        {
          name: "second",
          steps: [{ name: "s3", render: ({ object, config }) => { statuses.push(object.status, config); return { status: { list: [3] }, files: { "f2": "2" } }; } }],
        },
      ],
    });
    assert.deepEqual(r.pipelines[0].status, {
      keep: true, endpoint: { host: "h", port: 2 }, list: [1, 2],
      conditions: [{ type: "A", status: "True" }, { type: "B", status: "True" }],
    });
    assert.deepEqual(statuses[0], r.pipelines[0].status);
    assert.deepEqual(statuses[1], { region: "eu" });
    assert.deepEqual(r.status.list, [3]);
    assert.deepEqual(Object.keys(r.pipelines[1].files), ["f2"]);
    assert.equal(r.suspended, false);
  });

  test("destination selectors accumulate per directory; suspend stops later pipelines; earliest retryAfter wins", async () => {
    let ran = false;
    const r = await runPipelines({
      object: obj, config: {},
      pipelines: [
        { name: "a", steps: [
          { name: "x", render: () => ({ destinationSelectors: [{ matchLabels: { env: "dev" } }, { directory: "db", matchLabels: { tier: "data" } }], workflowControl: { retryAfter: "5m" } }) },
          { name: "y", render: () => ({ destinationSelectors: [{ matchLabels: { zone: "a" } }] }) },
        ] },
        { name: "b", steps: [{ name: "z", render: async () => ({ workflowControl: { retryAfter: "90s", suspend: true, message: "waiting" } }) }] },
        { name: "c", steps: [{ name: "never", render: () => { ran = true; return {}; } }] },
      ],
    });
    assert.deepEqual(r.pipelines[0].destinationSelectors, [{ matchLabels: { env: "dev", zone: "a" } }, { directory: "db", matchLabels: { tier: "data" } }]);
    assert.equal(r.pipelines.length, 2);
    assert.equal(ran, false);
    assert.equal(r.suspended, true);
    assert.equal(r.retryAfter, "90s");
    assert.deepEqual(r.pipelines[1].workflowControl, { retryAfter: "90s", suspend: true, message: "waiting" });
  });

  test("a throwing step becomes a WorkflowStepError naming pipeline and step", async () => {
    await assert.rejects(
      runPipelines({ object: obj, config: {}, pipelines: [{ name: "configure", steps: [{ name: "ok", render: () => ({}) }, { name: "boom", render: () => { throw new Error("no size"); } }] }] }),
      (e: unknown) => e instanceof WorkflowStepError && e.code === "WorkflowStepFailed" && /pipeline "configure" step "boom": failed: no size/.test(e.message)
        && (e.details as { step: string }).step === "boom",
    );
  });

  test("unsafe file paths, bad selector directories and bad retryAfter are refused naming the step", async () => {
    for (const [out, re] of [
      [{ files: { "../x": "a" } }, /file path "\.\.\/x"/],
      [{ files: { "/abs": "a" } }, /file path "\/abs"/],
      [{ destinationSelectors: [{ directory: "a/../../b", matchLabels: {} }] }, /directory "a\/..\/..\/b"/],
      [{ workflowControl: { retryAfter: "soon" } }, /retryAfter "soon"/],
    ] as const) {
      await assert.rejects(
        runPipelines({ object: obj, config: {}, pipelines: [{ name: "p", steps: [{ name: "bad", render: () => out as never }] }] }),
        (e: unknown) => e instanceof WorkflowStepError && re.test(e.message) && e.message.includes('step "bad"'),
      );
    }
  });

  test("other step kinds are delegated to the registered runner; unknown kinds fail naming the kind", async () => {
    registerStepKind("echo-test", (step, ctx) => ({ files: { "echo.txt": `${step.text}:${ctx.pipeline}:${ctx.index}:${ctx.phase.scope}:${ctx.promise}` } }));
    try {
      const r = await runPipelines({ object: obj, config: {}, phase: { scope: "promise", action: "configure" }, promise: "cache",
        pipelines: [{ name: "p", steps: [{ name: "r", render: () => ({}) }, { kind: "echo-test", name: "e", text: "hi" }] }] });
      assert.equal(r.pipelines[0].files["echo.txt"], "hi:p:1:promise:cache");
    } finally {
      unregisterStepKind("echo-test");
    }
    await assert.rejects(
      runPipelines({ object: obj, config: {}, pipelines: [{ name: "p", steps: [{ kind: "echo-test", name: "e" }] }] }),
      /no runner is registered for step kind "echo-test"/,
    );
    assert.throws(() => registerStepKind("render", () => ({})), /built in/);
  });

  test("parseDuration", () => {
    assert.equal(parseDuration("1h30m"), 5400);
    assert.equal(parseDuration("45s"), 45);
    assert.equal(parseDuration(""), undefined);
    assert.equal(parseDuration("5 minutes"), undefined);
  });
});
