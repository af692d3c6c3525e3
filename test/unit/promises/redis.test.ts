import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { redisPromise } from "../../../promises/redis";
import { renderRequest, renderDependencies, expectValid, expectInvalid } from "../../../promises/testing";
import { validatePromiseDefinition } from "../../../components/promise";
import { validateCustomResource } from "../../../components/flux/crd-validate";
import { fluxIssues, kratixFixture, kustomizeBuild, operatorCrd } from "./helpers";

const req = (spec: unknown, name = "cache") => ({ apiVersion: "marketplace.kratix.io/v1alpha1", kind: "redis", metadata: { name }, spec });

/** RedisFailover as the Spotahome operator documents it: spec.redis.replicas and spec.sentinel.replicas. */
const replicas = { type: "object", required: ["replicas"], "x-kubernetes-preserve-unknown-fields": true, properties: { replicas: { type: "integer", minimum: 1 }, image: { type: "string" } } };
const REDIS_CRD = operatorCrd("databases.spotahome.com", "v1", "RedisFailover", {
  type: "object",
  required: ["spec"],
  "x-kubernetes-preserve-unknown-fields": true,
  properties: { spec: { type: "object", required: ["redis", "sentinel"], "x-kubernetes-preserve-unknown-fields": true, properties: { redis: replicas, sentinel: replicas } } },
});

describe("redis Promise (Kratix Marketplace API)", () => {
  test("definition is valid; API is marketplace.kratix.io/v1alpha1 redis, size defaults to small", () => {
    assert.deepEqual(validatePromiseDefinition(redisPromise), []);
    assert.equal(redisPromise.api.kind, "redis");
    assert.deepEqual(expectValid(redisPromise, req({})).spec, { size: "small" });
  });

  test("the Kratix example request is accepted unchanged and renders a one-replica RedisFailover", async () => {
    const { object } = kratixFixture("redis");
    const r = await renderRequest(redisPromise, object);
    for (const p of Object.keys(r.files.dev)) assert.match(p, /^resources\/default\/redis\/example\/configure\/[0-9a-f]{5}\/(redis-instance|kustomization)\.yaml$/);
    const [cr] = r.objects.dev;
    assert.deepEqual([cr.apiVersion, cr.kind, cr.metadata.name, cr.metadata.namespace], ["databases.spotahome.com/v1", "RedisFailover", "example", "default"]);
    assert.deepEqual(validateCustomResource([REDIS_CRD], cr), []);
    assert.deepEqual(cr.spec, { redis: { replicas: 1 }, sentinel: { replicas: 1 } });
    assert.deepEqual(r.outputs, { instanceName: "example", sentinel: "rfs-example.default.svc.cluster.local:26379" });
  });

  test("large follows the organisation's sizes and image", async () => {
    const r = await renderRequest(redisPromise, req({ size: "large" }), { config: { sizes: { large: { redis: 5, sentinel: 3 } }, image: "redis:7.4-alpine" } });
    const cr = r.objects.dev[0];
    assert.deepEqual(validateCustomResource([REDIS_CRD], cr), []);
    assert.deepEqual(cr.spec, { redis: { replicas: 5, image: "redis:7.4-alpine" }, sentinel: { replicas: 3 } });
  });

  test("bad input is refused with field paths", async () => {
    expectInvalid(redisPromise, req({ size: "medium" }), ["spec.size"]);
    expectInvalid(redisPromise, req({ size: 3 }, "-x"), ["spec.size", "metadata.name"]);
    await assert.rejects(renderRequest(redisPromise, req({}), { config: { sizes: { small: { redis: 0, sentinel: -1 } } } }), /config\.sizes\.small\.redis.*config\.sizes\.small\.sentinel|config\.sizes\.small\.sentinel.*config\.sizes\.small\.redis/);
  });

  test("rendered placements build with kubectl kustomize; dependencies are the pinned redis-operator chart", async () => {
    const r = await renderRequest(redisPromise, kratixFixture("redis").object);
    assert.deepEqual(Object.values(kustomizeBuild(r.placements)).flat().map((o) => o.kind), ["RedisFailover"]);
    const d = await renderDependencies(redisPromise);
    const rel = d.objects.dev.find((o) => o.kind === "HelmRelease")!;
    const spec = rel.spec as { chart: { spec: { chart: string; version: string } } };
    assert.deepEqual([spec.chart.spec.chart, spec.chart.spec.version], ["redis-operator", "3.3.0"]);
    assert.equal((d.objects.dev.find((o) => o.kind === "HelmRepository")!.spec as { url: string }).url, "https://spotahome.github.io/redis-operator");
    assert.deepEqual(await fluxIssues(d.objects.dev), []);
    assert.equal(Object.values(kustomizeBuild(d.placements)).flat().length, 3);
  });
});
