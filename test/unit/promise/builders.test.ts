import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { buildDependencyPlacements, buildRequestPlacements, groupFiles, validateRequest } from "../../../components/promise";
import { shortId } from "../../../components/state-store/layout";
import type { WorkflowResult } from "../../../components/workflow";
import { cachePromise, dest } from "./fixtures";

const wf = (files: Record<string, string>, destinationSelectors: WorkflowResult["pipelines"][number]["destinationSelectors"]): WorkflowResult => ({
  pipelines: [{ pipeline: "p", files, destinationSelectors, status: {}, workflowControl: {} }], status: {}, suspended: false,
});

describe("pure builders", () => {
  test("groupFiles: deepest directory wins, prefix stripped, others default", () => {
    const g = groupFiles({ files: { "a.yaml": "1", "db/b.yaml": "2", "db/replica/c.yaml": "3", "dbx/d.yaml": "4" },
      destinationSelectors: [{ directory: "db", matchLabels: {} }, { directory: "db/replica", matchLabels: {} }] });
    assert.deepEqual(g, [
      { files: { "a.yaml": "1", "dbx/d.yaml": "4" } },
      { directory: "db", files: { "b.yaml": "2" } },
      { directory: "db/replica", files: { "c.yaml": "3" } },
    ]);
  });

  test("buildDependencyPlacements: promise selectors override workflow ones; strict destinations only when selected; per-destination store", () => {
    const promise = { ...cachePromise, dependencies: undefined, destinationSelectors: [{ matchLabels: { env: "dev" } }] };
    const destinations = [dest("a", { env: "dev" }), dest("b", { env: "prod" }), dest("c", { env: "dev", gpu: "yes" }, { strictMatchLabels: true, stateStore: "other" })];
    const out = buildDependencyPlacements({ name: "i", promise, config: {}, destinations, store: "main",
      workflow: wf({ "x.yaml": "x", "gpu/y.yaml": "y" }, [{ matchLabels: { env: "prod" } }, { directory: "gpu", matchLabels: { gpu: "yes" } }]) });
    assert.deepEqual(out.map((p) => [p.destination, p.store, p.dir, Object.keys(p.files)]), [
      ["a", "main", `a/dependencies/cache/p/${shortId("cache/p/")}`, ["x.yaml", "kustomization.yaml"]],
      ["c", "other", `c/dependencies/cache/p/${shortId("cache/p/")}`, ["x.yaml", "kustomization.yaml"]],
      ["c", "other", `c/dependencies/cache/p/${shortId("cache/p/gpu")}`, ["y.yaml", "kustomization.yaml"]],
    ]);
  });

  test("buildRequestPlacements: unscheduled groups are reported, not written; empty groups skipped", () => {
    const request = validateRequest(cachePromise, { apiVersion: "plinth.dev/v1alpha1", kind: "Cache", metadata: { name: "r" }, spec: {} });
    const { placements, schedule } = buildRequestPlacements({
      name: "n", promise: cachePromise, request, destinations: [dest("a", { env: "dev" })], store: "main",
      workflow: wf({ "x.yaml": "x", "gpu/y.yaml": "y" }, [{ directory: "gpu", matchLabels: { gpu: "yes" } }, { directory: "empty", matchLabels: {} }]),
    });
    assert.deepEqual(placements.map((p) => [p.name, p.dir]), [[`n-p-${shortId("default/cache/r/p/")}-a`, `a/resources/default/cache/r/p/${shortId("default/cache/r/p/")}`]]);
    assert.deepEqual(schedule.map((s) => [s.directory, s.destination, s.reason]), [[undefined, "a", "hashed"], ["gpu", undefined, "unscheduled"]]);
    assert.match(schedule[1].message, /pipeline "p" directory "gpu": no destination matches selectors gpu=yes,env=dev/);
  });
});
