import { test, describe, beforeEach } from "node:test";
import assert from "node:assert/strict";
import * as YAML from "yaml";
import { recordResources, runProgram } from "../../support/mocks";
import { ResourceRequest, RESOURCE_REQUEST_TYPE, PlinthResourceError, requestId } from "../../../components/promise";
import type { RequestPlanStatus } from "../../../components/promise";
import { PLACEMENT_TYPE } from "../../../components/state-store/placement";
import { shortId } from "../../../components/state-store/layout";
import { cachePromise, destinations, dest } from "./fixtures";

const rec = recordResources();
const request = { apiVersion: "plinth.dev/v1alpha1", kind: "Cache", metadata: { name: "orders", namespace: "shop" }, spec: { size: 3 } };
const id = "shop/cache/orders";

describe("ResourceRequest", () => {
  beforeEach(() => rec.clear());

  test("creates one Placement per scheduled group under the request's resources path; exports status and outputs", async () => {
    const out = await runProgram(() => {
      const r = new ResourceRequest("req", { promise: cachePromise, config: {}, request, destinations, store: "main" });
      return { status: r.status, outputs: r.outputs };
    });
    assert.equal(rec.ofType(RESOURCE_REQUEST_TYPE)[0].name, "req");
    const placements = rec.ofType(PLACEMENT_TYPE);
    const defaultId = shortId(`${id}/configure/`);
    const monId = shortId(`${id}/configure/monitoring`);
    // default group: env=dev (promise) → dev-aws or dev-edge, chosen by hash; monitoring dir: env=dev + role=monitoring → dev-edge only
    const def = placements.find((p) => p.name.startsWith(`req-configure-${defaultId}-`))!;
    const defDest = def.name.slice(`req-configure-${defaultId}-`.length);
    assert.ok(["dev-aws", "dev-edge"].includes(defDest));
    const path = defDest === "dev-aws" ? "dev-aws" : "edge/dev";
    assert.equal(def.inputs.dir, `${path}/resources/shop/cache/orders/configure/${defaultId}`);
    assert.equal(def.inputs.store, "main");
    assert.deepEqual(Object.keys(def.inputs.files).sort(), ["deployment.yaml", "kustomization.yaml"]);
    assert.deepEqual(YAML.parse(def.inputs.files["kustomization.yaml"]).resources, ["deployment.yaml"], "a kustomization is generated for the placement");
    assert.equal(YAML.parse(def.inputs.files["deployment.yaml"]).spec.replicas, 3);
    const mon = rec.named(`req-configure-${monId}-dev-edge`, PLACEMENT_TYPE)!;
    assert.equal(mon.inputs.dir, `edge/dev/resources/shop/cache/orders/configure/${monId}`);
    assert.deepEqual(Object.keys(mon.inputs.files).sort(), ["kustomization.yaml", "rule.yaml"], "directory prefix is stripped inside the group's placement");
    assert.equal(placements.length, 2);

    const status = out.status as RequestPlanStatus;
    assert.deepEqual(status.destinations, [
      { pipeline: "configure", destination: defDest },
      { pipeline: "configure", directory: "monitoring", destination: "dev-edge" },
    ]);
    assert.equal(status.endpoint, "orders.shop.svc:6379");
    assert.deepEqual(status.conditions.map((c) => [c.type, c.status]), [["ConfigureWorkflowCompleted", "True"], ["Scheduled", "True"], ["Ready", "True"]]);
    assert.deepEqual(status.placements.map((p) => p.files), [["deployment.yaml", "kustomization.yaml"], ["kustomization.yaml", "rule.yaml"]]);
    assert.deepEqual(out.outputs, { endpoint: "orders.shop.svc:6379" });
  });

  test("stays on its previous destination", async () => {
    const other = (await runProgram(() => new ResourceRequest("a", { promise: cachePromise, request, destinations, store: "main" }).status)) as RequestPlanStatus;
    const first = other.destinations[0].destination;
    const forced = first === "dev-aws" ? "dev-edge" : "dev-aws";
    rec.clear();
    const st = (await runProgram(() => new ResourceRequest("b", { promise: cachePromise, request, destinations, store: "main",
      previousDestinations: [{ pipeline: "configure", destination: forced }] }).status)) as RequestPlanStatus;
    assert.equal(st.destinations[0].destination, forced);
    assert.ok(rec.ofType(PLACEMENT_TYPE).some((p) => p.name.endsWith(`-${forced}`) && p.inputs.dir.includes("/resources/shop/cache/orders/configure/")));
  });

  test("no matching destination: nothing written, status says Unscheduled naming the selectors", async () => {
    const st = (await runProgram(() => new ResourceRequest("c", { promise: cachePromise, request, destinations: [dest("prod", { env: "prod" })], store: "main" }).status)) as RequestPlanStatus;
    assert.equal(rec.ofType(PLACEMENT_TYPE).length, 0);
    const ready = st.conditions.find((c) => c.type === "Ready")!;
    assert.equal(ready.status, "False");
    assert.equal(ready.reason, "Unscheduled");
    assert.match(st.message, /no destination matches selectors env=dev/);
  });

  test("an invalid request fails naming spec paths; a failing step fails the program naming the step", async () => {
    assert.throws(
      () => new ResourceRequest("d", { promise: cachePromise, request: { ...request, spec: { size: 0 } }, destinations, store: "main" }),
      (e: unknown) => e instanceof PlinthResourceError && e.code === "ValidationFailed" && /spec\.size/.test(e.message),
    );
    await assert.rejects(
      runProgram(() => { new ResourceRequest("e", { promise: cachePromise, config: { maxSize: 2 }, request, destinations, store: "main" }); }),
      (e: unknown) => e instanceof Error && /pipeline "configure" step "deployment": failed: spec.size 3 exceeds the organisation maximum 2/.test(e.message),
    );
    assert.equal(rec.ofType(PLACEMENT_TYPE).length, 0);
  });

  test("requestId", () => {
    assert.equal(requestId(cachePromise, { ...request, metadata: { name: "orders", namespace: "shop" }, spec: {} }), id);
  });
});
