import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { z } from "zod";
import { ValidationError } from "../../../components/errors";
import { definePromise, validatePromiseDefinition, validateRequest, jsonSchemaOf, missingRequiredPromises, dependencyFiles, validateConfig } from "../../../components/promise";
import { cachePromise } from "./fixtures";

const paths = (issues: { path: (string | number)[] }[]) => issues.map((i) => i.path.join("."));

describe("validatePromiseDefinition / definePromise", () => {
  test("a good definition has no issues", () => {
    assert.deepEqual(validatePromiseDefinition(cachePromise), []);
  });

  test("healthChecks: true, or { timeout } with a Go duration", () => {
    assert.deepEqual(validatePromiseDefinition({ ...cachePromise, healthChecks: true }), []);
    assert.deepEqual(validatePromiseDefinition({ ...cachePromise, healthChecks: { timeout: "1m30s" } }), []);
    assert.deepEqual(paths(validatePromiseDefinition({ ...cachePromise, healthChecks: { timeout: "soon" } })), ["healthChecks.timeout"]);
    assert.deepEqual(paths(validatePromiseDefinition({ ...cachePromise, healthChecks: { wait: 3 } as never })), ["healthChecks"]);
  });

  test("names every bad field", () => {
    const issues = validatePromiseDefinition({
      name: "Bad_Name", version: "1.0", api: { group: "nodots", version: "1", kind: "9lower", plural: "Caps", spec: {} },
      config: "nope", dependencies: [], destinationSelectors: [{ matchLabels: { env: 3 } }],
      requiredPromises: [{ name: "Bad_Name" }, { name: "x", version: "one" }],
      workflows: {
        resource: { configure: [{ name: "a", steps: [{ name: "s", render: () => ({}) }, { name: "s" }] }, { name: "a", steps: [] }, { name: "static", steps: [] }], rollback: [] },
        other: {},
      },
    });
    assert.deepEqual(paths(issues).sort(), [
      "api.group", "api.kind", "api.plural", "api.spec", "api.version", "config", "dependencies",
      "destinationSelectors.0.matchLabels.env", "name", "requiredPromises.0.name", "requiredPromises.1.version",
      "version", "workflows.other", "workflows.resource.configure.0.steps.1.name", "workflows.resource.configure.0.steps.1.render", "workflows.resource.configure.1.name",
      "workflows.resource.configure.2.name", "workflows.resource.rollback",
    ].sort());
    assert.match(issues.find((i) => i.path.join(".") === "workflows.resource.configure.2.name")!.message, /reserved/);
  });

  test("definePromise throws a ValidationError naming the promise and fields", () => {
    assert.throws(
      () => definePromise({ name: "x", version: "v1", api: { group: "plinth.dev", version: "v1", kind: "X", spec: z.object({}) } }),
      (e: unknown) => e instanceof ValidationError && e.code === "InvalidPromise" && /Promise "x" is invalid: version/.test(e.message),
    );
  });

  test("a Promise requiring itself is refused", () => {
    const issues = validatePromiseDefinition({ ...cachePromise, requiredPromises: [{ name: "cache" }] });
    assert.deepEqual(paths(issues), ["requiredPromises.0.name"]);
  });
});

describe("validateRequest", () => {
  const good = { apiVersion: "plinth.dev/v1alpha1", kind: "Cache", metadata: { name: "orders" }, spec: {} };

  test("applies spec defaults and the default namespace, drops status", () => {
    const r = validateRequest(cachePromise, { ...good, status: { hacked: true } });
    assert.deepEqual(r, { apiVersion: "plinth.dev/v1alpha1", kind: "Cache", metadata: { name: "orders", namespace: "default" }, spec: { size: 1, engine: "redis" } });
    const ns = validateRequest(cachePromise, { ...good, metadata: { name: "orders", namespace: "shop", labels: { team: "a" } } });
    assert.equal(ns.metadata.namespace, "shop");
    assert.deepEqual(ns.metadata.labels, { team: "a" });
    assert.deepEqual(validateRequest(cachePromise, { ...good, spec: undefined }).spec, { size: 1, engine: "redis" });
  });

  test("reports every issue at once with its path (zod paths prefixed by spec)", () => {
    try {
      validateRequest(cachePromise, {
        apiVersion: "plinth.dev/v1", kind: "Redis",
        metadata: { name: "Orders_1", namespace: "x".repeat(64), annotations: { a: 1 } },
        spec: { size: 0, engine: "memcached", replicas: [{ zone: "" }] },
      });
      assert.fail("expected a ValidationError");
    } catch (e) {
      assert.ok(e instanceof ValidationError);
      assert.equal(e.status, 422);
      assert.deepEqual(paths(e.issues).sort(), ["apiVersion", "kind", "metadata.annotations", "metadata.name", "metadata.namespace", "spec.engine", "spec.replicas.0.zone", "spec.size"]);
      assert.match(e.message, /apiVersion: must be "plinth.dev\/v1alpha1"/);
    }
  });

  test("names longer than 63 characters and non-objects are refused", () => {
    assert.throws(() => validateRequest(cachePromise, { ...good, metadata: { name: "a".repeat(64) } }), /metadata\.name/);
    assert.throws(() => validateRequest(cachePromise, "kind: Cache"), (e: unknown) => e instanceof ValidationError);
    assert.throws(() => validateRequest(cachePromise, { ...good, metadata: undefined }), /metadata: required/);
  });
});

describe("schema, config, required promises, dependency files", () => {
  test("jsonSchemaOf describes the request's input (defaults optional)", () => {
    const s = jsonSchemaOf(cachePromise) as { properties: Record<string, { default?: unknown; enum?: string[] }>; required?: string[] };
    assert.equal(s.properties.size.default, 1);
    assert.deepEqual(s.properties.engine.enum, ["redis", "valkey"]);
    assert.ok(!(s.required ?? []).includes("size"));
  });

  test("validateConfig applies defaults and names bad keys", () => {
    assert.deepEqual(validateConfig(cachePromise, undefined), { registry: "docker.io", maxSize: 8 });
    assert.throws(() => validateConfig(cachePromise, { registry: 5 }), (e: unknown) => e instanceof ValidationError && e.code === "InvalidConfig" && paths(e.issues)[0] === "config.registry");
  });

  test("missingRequiredPromises checks names and exact versions", () => {
    const p = { ...cachePromise, requiredPromises: [{ name: "namespace", version: "v1.0.0" }, { name: "redis" }] };
    assert.deepEqual(paths(missingRequiredPromises(p, [{ name: "namespace", version: "1.0.0" }])), ["requiredPromises.1.name"]);
    const v = missingRequiredPromises(p, [{ name: "namespace", version: "2.0.0" }, "redis"]);
    assert.deepEqual(paths(v), ["requiredPromises.0.version"]);
    assert.match(v[0].message, /requires "namespace" v1.0.0 but 2.0.0 is installed/);
  });

  test("dependencyFiles: unique names, kustomization lists them in order", () => {
    const f = dependencyFiles([
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a" } },
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a" } },
      { apiVersion: "v1", kind: "Kustomization", metadata: { name: "ation" } },
    ]);
    assert.deepEqual(Object.keys(f), ["configmap-a.yaml", "configmap-a-2.yaml", "kustomization-ation.yaml", "kustomization.yaml"]);
    assert.match(f["kustomization.yaml"], /resources:\n\s+- configmap-a.yaml\n\s+- configmap-a-2.yaml\n\s+- kustomization-ation.yaml/);
  });
});
