import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as YAML from "yaml";
import { namespacePromise } from "../../../../promises/namespace";
import { renderRequest, renderDependencies, expectValid, expectInvalid } from "../../../../promises/testing";
import { validatePromiseDefinition } from "../../../../components/promise";

const req = (spec: unknown, name = "team-a") => ({ apiVersion: "plinth.dev/v1alpha1", kind: "TeamNamespace", metadata: { name }, spec });

describe("namespace Promise", () => {
  test("definition is valid", () => assert.deepEqual(validatePromiseDefinition(namespacePromise), []));

  test("validation: team required and DNS-1123, quota quantities checked", () => {
    assert.deepEqual(expectValid(namespacePromise, req({ team: "payments" })).spec, { team: "payments" });
    expectInvalid(namespacePromise, req({}), ["spec.team"]);
    expectInvalid(namespacePromise, req({ team: "Payments", quota: { cpu: "lots", memory: "4Gi" } }), ["spec.team", "spec.quota.cpu"]);
    expectInvalid(namespacePromise, { ...req({ team: "a" }), kind: "Namespace" }, ["kind"]);
    assert.throws(() => expectInvalid(namespacePromise, req({ team: "a" }), ["spec.team"]), /was accepted/);
  });

  test("renders Namespace, ResourceQuota (org default) and RoleBinding for the team", async () => {
    const r = await renderRequest(namespacePromise, req({ team: "payments" }), { config: { groupPrefix: "oidc:" } });
    const objs = r.objects.dev;
    assert.deepEqual(objs.map((o) => o.kind), ["Namespace", "ResourceQuota", "RoleBinding"]);
    assert.equal(objs[0].metadata.name, "team-a");
    assert.equal(objs[0].metadata.labels!["plinth.dev/team"], "payments");
    assert.deepEqual((objs[1].spec as { hard: object }).hard, { "requests.cpu": "2", "requests.memory": "4Gi", "limits.cpu": "2", "limits.memory": "4Gi" });
    assert.equal(objs[1].metadata.namespace, "team-a");
    assert.deepEqual(objs[2].subjects, [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "oidc:payments" }]);
    assert.equal((objs[2].roleRef as { name: string }).name, "plinth-team-admin");
    const paths = Object.keys(r.files.dev);
    assert.ok(paths.every((p) => /^resources\/default\/namespace\/team-a\/configure\/[0-9a-f]{5}\/[a-z]+\.yaml$/.test(p)), paths.join(","));
    assert.deepEqual(r.outputs, { namespace: "team-a", quota: { cpu: "2", memory: "4Gi" } });
    assert.equal(r.status.conditions.find((c) => c.type === "Ready")!.status, "True");
  });

  test("an explicit quota wins over the default", async () => {
    const r = await renderRequest(namespacePromise, req({ team: "ml", quota: { cpu: "16", memory: "64Gi" } }, "ml"));
    assert.equal(((r.objects.dev[1].spec as { hard: Record<string, string> }).hard)["limits.memory"], "64Gi");
  });

  test("dependencies: the admin ClusterRole on every destination, named by config", async () => {
    const d = await renderDependencies(namespacePromise, {
      config: { adminRole: "team-owner" },
      destinations: [{ name: "dev", labels: {}, stateStore: "s" }, { name: "prod", labels: {}, stateStore: "s", path: "clusters/prod" }, { name: "edge", labels: {}, stateStore: "s", strictMatchLabels: true }],
    });
    assert.deepEqual(Object.keys(d.objects).sort(), ["dev", "prod"]);
    assert.equal(d.objects.prod[0].kind, "ClusterRole");
    assert.equal(d.objects.prod[0].metadata.name, "team-owner");
    const kust = Object.entries(d.files.prod).find(([p]) => p.endsWith("kustomization.yaml"))!;
    assert.match(kust[0], /^dependencies\/namespace\/static\/[0-9a-f]{5}\/kustomization\.yaml$/);
    assert.deepEqual(YAML.parse(kust[1]).resources, ["clusterrole-team-owner.yaml"]);
    assert.equal(d.registry.kind, "TeamNamespace");
    assert.deepEqual(d.registry.destinations, ["dev", "prod"]);
  });
});
