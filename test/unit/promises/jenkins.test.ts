import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { jenkinsPromise } from "../../../promises/jenkins";
import { renderRequest, renderDependencies, expectValid, expectInvalid } from "../../../promises/testing";
import { validatePromiseDefinition, type K8sObject } from "../../../components/promise";
import { validateCustomResource } from "../../../components/flux/crd-validate";
import { fluxIssues, kratixFixture, kustomizeBuild, operatorCrd } from "./helpers";

const req = (spec: unknown, name = "ci") => ({ apiVersion: "marketplace.kratix.io/v1alpha1", kind: "jenkins", metadata: { name }, spec });

/** What the Jenkins operator's CRD (jenkins.io/v1alpha2) requires: spec.jenkinsAPISettings and spec.master; plugins need name and version. */
const plugin = { type: "object", required: ["name", "version"], properties: { name: { type: "string" }, version: { type: "string" }, downloadURL: { type: "string" } } };
const JENKINS_CRD = operatorCrd("jenkins.io", "v1alpha2", "Jenkins", {
  type: "object",
  required: ["spec"],
  "x-kubernetes-preserve-unknown-fields": true,
  properties: {
    spec: {
      type: "object",
      required: ["jenkinsAPISettings", "master"],
      "x-kubernetes-preserve-unknown-fields": true,
      properties: {
        jenkinsAPISettings: { type: "object", required: ["authorizationStrategy"], properties: { authorizationStrategy: { type: "string", enum: ["createUser", "serviceAccount"] } } },
        master: {
          type: "object",
          "x-kubernetes-preserve-unknown-fields": true,
          properties: {
            basePlugins: { type: "array", items: plugin },
            plugins: { type: "array", items: plugin },
            containers: { type: "array", minItems: 1, items: { type: "object", required: ["name"], "x-kubernetes-preserve-unknown-fields": true, properties: { name: { type: "string" }, image: { type: "string" } } } },
          },
        },
        service: { type: "object", properties: { type: { type: "string" }, port: { type: "integer" }, nodePort: { type: "integer" } } },
      },
    },
  },
});

describe("jenkins Promise (Kratix Marketplace API)", () => {
  test("definition is valid; API is marketplace.kratix.io/v1alpha1 jenkins", () => {
    assert.deepEqual(validatePromiseDefinition(jenkinsPromise), []);
    assert.equal(`${jenkinsPromise.api.group}/${jenkinsPromise.api.version}`, "marketplace.kratix.io/v1alpha1");
    assert.equal(jenkinsPromise.api.kind, "jenkins");
  });

  test("the Kratix example request is accepted unchanged and renders a Jenkins CR to the request path", async () => {
    const { object } = kratixFixture("jenkins");
    const valid = expectValid(jenkinsPromise, object);
    assert.deepEqual(valid.spec, { env: "dev", plugins: [{ name: "opentelemetry", version: "2.11.0" }] });
    const r = await renderRequest(jenkinsPromise, object, { config: { defaultPlugins: [{ name: "timestamper", version: "1.27" }] } });
    const paths = Object.keys(r.files.dev).sort();
    assert.equal(paths.length, 2);
    for (const p of paths) assert.match(p, /^resources\/default\/jenkins\/example\/configure\/[0-9a-f]{5}\/(jenkins-instance|kustomization)\.yaml$/);
    const [cr] = r.objects.dev;
    assert.equal(cr.apiVersion, "jenkins.io/v1alpha2");
    assert.equal(cr.kind, "Jenkins");
    assert.equal(cr.metadata.name, "dev-example");
    assert.equal(cr.metadata.namespace, "default");
    assert.deepEqual(validateCustomResource([JENKINS_CRD], cr), []);
    const master = (cr.spec as { master: { plugins: { name: string }[]; basePlugins: { name: string }[] } }).master;
    assert.deepEqual(master.plugins.map((p) => p.name), ["timestamper", "opentelemetry"]);
    assert.ok(master.basePlugins.some((p) => p.name === "kubernetes"));
    assert.equal(r.status.conditions.find((c) => c.type === "Ready")!.status, "True");
    assert.deepEqual(r.outputs, { instanceName: "dev-example", namespace: "default", url: "http://jenkins-operator-http-dev-example.default.svc:8080" });
  });

  test("prod sizing, a requested plugin overrides the org default of the same name, instance namespace from config", async () => {
    const r = await renderRequest(jenkinsPromise, req({ env: "prod", plugins: [{ name: "git", version: "9.9.9" }] }), {
      config: { defaultPlugins: [{ name: "git", version: "1.0.0" }], instanceNamespace: "ci", serviceType: "NodePort" },
    });
    const cr = r.objects.dev[0];
    const spec = cr.spec as { master: { plugins: unknown[]; containers: { resources: { limits: { memory: string } } }[] }; service: { type: string } };
    assert.equal(cr.metadata.name, "prod-ci");
    assert.equal(cr.metadata.namespace, "ci");
    assert.deepEqual(spec.master.plugins, [{ name: "git", version: "9.9.9" }]);
    assert.equal(spec.master.containers[0].resources.limits.memory, "6Gi");
    assert.equal(spec.service.type, "NodePort");
  });

  test("bad input is refused with field paths", () => {
    expectInvalid(jenkinsPromise, req({ env: "staging" }), ["spec.env"]);
    expectInvalid(jenkinsPromise, req({ plugins: [{ name: "git" }] }), ["spec.plugins.0.version"]);
    expectInvalid(jenkinsPromise, req({ plugins: [{ name: "bad name", version: "1", downloadURL: "file:///x" }] }), ["spec.plugins.0.name", "spec.plugins.0.downloadURL"]);
    expectInvalid(jenkinsPromise, req({}, "Bad_Name"), ["metadata.name"]);
    expectInvalid(jenkinsPromise, { ...req({}), kind: "Jenkins" }, ["kind"]);
  });

  test("rendered placement directories build with kubectl kustomize", async () => {
    const r = await renderRequest(jenkinsPromise, kratixFixture("jenkins").object);
    const built = kustomizeBuild(r.placements);
    assert.deepEqual(Object.values(built).flat().map((o: K8sObject) => o.kind), ["Jenkins"]);
  });

  test("dependencies: the jenkins-operator chart through Flux, pinned, valid against the Flux CRDs, built by kustomize", async () => {
    const d = await renderDependencies(jenkinsPromise, { config: { operator: { version: "0.8.0", namespace: "ci-system" } } });
    const objs = d.objects.dev;
    assert.deepEqual(objs.map((o) => o.kind).sort(), ["HelmRelease", "HelmRepository", "Namespace"]);
    for (const p of Object.keys(d.files.dev)) assert.match(p, /^dependencies\/jenkins\/static\/[0-9a-f]{5}\/[a-z0-9.-]+\.yaml$/);
    const repo = objs.find((o) => o.kind === "HelmRepository")!;
    const rel = objs.find((o) => o.kind === "HelmRelease")!;
    assert.equal((repo.spec as { url: string }).url, "https://raw.githubusercontent.com/jenkinsci/kubernetes-operator/master/chart");
    const spec = rel.spec as { chart: { spec: { chart: string; version: string } }; values: { jenkins: { enabled: boolean } } };
    assert.deepEqual([spec.chart.spec.chart, spec.chart.spec.version], ["jenkins-operator", "0.8.0"]);
    assert.equal(spec.values.jenkins.enabled, false);
    assert.equal(rel.metadata.namespace, "ci-system");
    assert.deepEqual(await fluxIssues(objs), []);
    assert.equal(Object.values(kustomizeBuild(d.placements)).flat().length, 3);
    const defaults = await renderDependencies(jenkinsPromise);
    const pinned = defaults.objects.dev.find((o) => o.kind === "HelmRelease")!.spec as { chart: { spec: { version: string } } };
    assert.equal(pinned.chart.spec.version, "0.8.1");
  });

  test("bad organisation config is refused with config paths", async () => {
    await assert.rejects(renderDependencies(jenkinsPromise, { config: { operator: { version: "^0.8" }, serviceType: "Ingress" } }), (e: Error & { issues?: { path: unknown[] }[] }) => {
      const got = (e.issues ?? []).map((i) => i.path.join("."));
      assert.ok(got.includes("config.operator.version") && got.includes("config.serviceType"), got.join(","));
      return true;
    });
  });
});
