import { test, describe, beforeEach } from "node:test";
import assert from "node:assert/strict";
import * as YAML from "yaml";
import * as pulumi from "@pulumi/pulumi";
import { recordResources, runProgram } from "../../support/mocks";
import { PromiseInstallation, PROMISE_INSTALLATION_TYPE, PlinthResourceError } from "../../../components/promise";
import { PLACEMENT_TYPE } from "../../../components/state-store/placement";
import { shortId } from "../../../components/state-store/layout";
import { cachePromise, destinations } from "./fixtures";

const rec = recordResources();

describe("PromiseInstallation", () => {
  beforeEach(() => rec.clear());

  test("writes Dependencies and promise workflow output exactly on the matching destinations", async () => {
    const out = await runProgram(() => {
      const inst = new PromiseInstallation("cache", { promise: cachePromise, config: { registry: "mirror.local" }, destinations, store: "main", installed: ["namespace"] });
      return { registry: inst.registry, placements: inst.placements };
    });
    const comp = rec.ofType(PROMISE_INSTALLATION_TYPE);
    assert.equal(comp.length, 1);
    assert.equal(comp[0].name, "cache");
    const placements = rec.ofType(PLACEMENT_TYPE);
    const staticId = shortId("cache/static");
    const crdId = shortId("cache/crds/");
    assert.deepEqual(
      placements.map((p) => [p.name, p.inputs.store, p.inputs.dir]).sort(),
      [
        [`cache-crds-${crdId}-dev-aws`, "main", `dev-aws/dependencies/cache/crds/${crdId}`],
        [`cache-crds-${crdId}-dev-edge`, "main", `edge/dev/dependencies/cache/crds/${crdId}`],
        ["cache-static-dev-aws", "main", `dev-aws/dependencies/cache/static/${staticId}`],
        ["cache-static-dev-edge", "main", `edge/dev/dependencies/cache/static/${staticId}`],
      ],
    );
    const deps = rec.named("cache-static-dev-aws", PLACEMENT_TYPE)!.inputs.files as Record<string, string>;
    assert.deepEqual(Object.keys(deps).sort(), ["configmap-cache-system-cache-defaults.yaml", "kustomization.yaml", "namespace-cache-system.yaml"]);
    assert.deepEqual(YAML.parse(deps["kustomization.yaml"]).resources, ["namespace-cache-system.yaml", "configmap-cache-system-cache-defaults.yaml"]);
    assert.equal(YAML.parse(deps["configmap-cache-system-cache-defaults.yaml"]).data.registry, "mirror.local", "config reaches the dependencies");
    assert.deepEqual(YAML.parse(rec.named(`cache-crds-${crdId}-dev-edge`)!.inputs.files["crd.yaml"]).metadata, { name: "cache-crd" });
    for (const p of placements) assert.equal(p.custom, true);
    assert.equal(out.registry.name, "cache");
    assert.equal(out.registry.version, "1.2.0");
    assert.equal(out.registry.apiVersion, "plinth.dev/v1alpha1");
    assert.equal(out.registry.kind, "Cache");
    assert.deepEqual(out.registry.destinations, ["dev-aws", "dev-edge"]);
    assert.equal((out.registry.schema as unknown as { type: string }).type, "object");
    assert.deepEqual(Object.keys((out.registry.schema as unknown as { properties: object }).properties).sort(), ["engine", "replicas", "size"]);
    assert.equal(out.placements.length, 4);
  });

  test("a missing required Promise fails naming it, and nothing is written", () => {
    assert.throws(
      () => new PromiseInstallation("cache2", { promise: cachePromise, destinations, store: "main", installed: ["postgresql"] }),
      (e: unknown) => e instanceof pulumi.ResourceError && e instanceof PlinthResourceError && e.code === "RequiredPromiseMissing"
        && /requires Promise "namespace"/.test(e.message),
    );
    assert.equal(rec.ofType(PLACEMENT_TYPE).length, 0);
  });

  test("bad config fails naming the key path", () => {
    assert.throws(
      () => new PromiseInstallation("cache3", { promise: cachePromise, config: { maxSize: "big" }, destinations, store: "main", installed: ["namespace"] }),
      (e: unknown) => e instanceof PlinthResourceError && e.code === "InvalidConfig" && /config\.maxSize/.test(e.message)
        && JSON.stringify((e.details as { issues: { path: unknown[] }[] }).issues[0].path) === '["config","maxSize"]',
    );
  });

  test("bad destinations fail naming the field", () => {
    assert.throws(
      () => new PromiseInstallation("cache4", { promise: cachePromise, destinations: [...destinations, { ...destinations[0] }], store: "main", installed: ["namespace"] }),
      (e: unknown) => e instanceof PlinthResourceError && /destinations\.3\.name/.test(e.message),
    );
  });

  test("a failing promise workflow step rejects the outputs naming the step", async () => {
    const broken = { ...cachePromise, name: "broken", requiredPromises: [],
      workflows: { promise: { configure: [{ name: "crds", steps: [{ name: "explode", render: () => { throw new Error("kaboom"); } }] }] } } };
    await assert.rejects(
      runProgram(() => new PromiseInstallation("broken", { promise: broken, destinations, store: "main" }).registry),
      (e: unknown) => e instanceof PlinthResourceError && e.code === "WorkflowStepFailed" && /pipeline "crds" step "explode": failed: kaboom/.test(e.message),
    );
    assert.equal(rec.ofType(PLACEMENT_TYPE).length, 0);
  });
});
