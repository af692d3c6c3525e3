import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { webAppPromise, OWNER_KIND, OWNER_NAME, OWNER_NAMESPACE } from "../../../promises/web-app";
import { jenkinsPromise } from "../../../promises/jenkins";
import { postgresqlPromise } from "../../../promises/postgresql";
import { nginxIngressPromise } from "../../../promises/nginx-ingress";
import { renderRequest, renderDependencies, expectValid, expectInvalid } from "../../../promises/testing";
import { checkInstallation, missingRequiredPromises, validatePromiseDefinition, validateRequest, type AnyPromise, type K8sObject } from "../../../components/promise";
import { ValidationError } from "../../../components/errors";
import type { DestinationSpec } from "../../../components/vocabulary/destination";
import { kratixFixture, kustomizeBuild } from "./helpers";

const DESTS: DestinationSpec[] = [
  { name: "worker", labels: { environment: "dev" }, stateStore: "test" },
  { name: "platform", labels: { environment: "platform" }, stateStore: "test", strictMatchLabels: true },
];
const req = (spec: Record<string, unknown>, name = "shop") => ({ apiVersion: "marketplace.kratix.io/v1", kind: "app", metadata: { name, namespace: "team-a" }, spec });
const CHILD_PROMISES: Record<string, AnyPromise> = { jenkins: jenkinsPromise, postgresql: postgresqlPromise, NginxIngress: nginxIngressPromise };

describe("web-app Promise (Web App Golden Path, Kratix app-as-a-service API)", () => {
  test("definition is valid; API marketplace.kratix.io/v1 app; requires jenkins, postgresql, nginx-ingress", () => {
    assert.deepEqual(validatePromiseDefinition(webAppPromise), []);
    assert.equal(webAppPromise.api.kind, "app");
    assert.deepEqual(webAppPromise.requiredPromises!.map((r) => r.name), ["jenkins", "postgresql", "nginx-ingress"]);
  });

  test("the Kratix example is accepted unchanged: Deployment to the worker, child requests to the platform destination", async () => {
    const { object } = kratixFixture("web-app");
    assert.deepEqual(expectValid(webAppPromise, object).spec, {
      name: "todoer", image: "syntasso/sample-todo-app:v1.0.0", env: { ENTERPRISE: "true", Version: "1.0.0" }, dbDriver: "postgresql", service: { port: 8080 },
    });
    const r = await renderRequest(webAppPromise, object, { destinations: DESTS });
    const workerPaths = Object.keys(r.files.worker).sort();
    const platformPaths = Object.keys(r.files.platform).sort();
    for (const p of [...workerPaths, ...platformPaths]) assert.match(p, /^resources\/default\/web-app\/todoer\/configure\/[0-9a-f]{5}\/[a-z]+\.yaml$/);
    assert.deepEqual(workerPaths.map((p) => p.split("/").pop()), ["deployment.yaml", "kustomization.yaml"]);
    assert.deepEqual(platformPaths.map((p) => p.split("/").pop()), ["jenkins.yaml", "kustomization.yaml", "nginxingress.yaml", "postgresql.yaml"]);
    const dep = r.objects.worker[0];
    assert.equal(dep.kind, "Deployment");
    const container = (dep.spec as { template: { spec: { containers: { image: string; env: { name: string; value?: string; valueFrom?: unknown }[] }[] } } }).template.spec.containers[0];
    assert.equal(container.image, "syntasso/sample-todo-app:v1.0.0");
    assert.deepEqual(container.env.map((e) => e.name), ["ENTERPRISE", "Version", "PGHOST", "DBNAME", "PGUSER", "PGPASSWORD"]);
    assert.equal(container.env.find((e) => e.name === "PGHOST")!.value, "app-todoer-postgresql.default.svc.cluster.local");
    assert.deepEqual(container.env.find((e) => e.name === "PGPASSWORD")!.valueFrom, { secretKeyRef: { name: "app.app-todoer-postgresql.credentials.postgresql.acid.zalan.do", key: "password" } });
    assert.deepEqual(r.status.destinations.map((d) => d.destination).sort(), ["platform", "worker"]);
  });

  test("child requests carry owner labels and round-trip through the child Promises' validateRequest and workflows", async () => {
    const r = await renderRequest(webAppPromise, req({ name: "shop", image: "ghcr.io/acme/shop:1.2.3", dbDriver: "postgresql", service: { port: 9090 } }), {
      destinations: DESTS, config: { baseDomain: "apps.acme.io", jenkins: { plugins: [{ name: "opentelemetry", version: "2.11.0" }] } },
    });
    const children = r.objects.platform;
    assert.deepEqual(children.map((c) => `${c.apiVersion} ${c.kind}`).sort(), [
      "marketplace.kratix.io/v1alpha1 jenkins", "marketplace.kratix.io/v1alpha1 postgresql", "plinth.dev/v1alpha1 NginxIngress",
    ]);
    for (const c of children) {
      assert.deepEqual(c.metadata.labels, { [OWNER_NAMESPACE]: "team-a", [OWNER_KIND]: "app", [OWNER_NAME]: "shop" });
      assert.equal(c.metadata.namespace, "team-a");
      const promise = CHILD_PROMISES[c.kind];
      const valid = validateRequest(promise, c);
      assert.equal(valid.metadata.name, "shop");
      const rendered = await renderRequest(promise, c);
      assert.ok(rendered.objects.dev.length > 0, `${c.kind} child rendered nothing`);
    }
    const ing = await renderRequest(nginxIngressPromise, children.find((c) => c.kind === "NginxIngress"));
    const svc = ing.objects.dev.find((o) => o.kind === "Service")!;
    assert.deepEqual((svc.spec as { selector: unknown }).selector, { app: "shop" });
    assert.deepEqual((svc.spec as { ports: unknown[] }).ports, [{ name: "http", port: 9090, targetPort: 8080, protocol: "TCP" }]);
    assert.equal(ing.outputs.host, "shop.apps.acme.io");
    const pg = await renderRequest(postgresqlPromise, children.find((c) => c.kind === "postgresql"));
    assert.equal(pg.objects.dev[0].metadata.name, "app-shop-postgresql");
    assert.deepEqual((pg.objects.dev[0].spec as { databases: unknown }).databases, { shopdb: "app" });
    assert.deepEqual(r.outputs.database, { host: "app-shop-postgresql.team-a.svc.cluster.local", name: "shopdb", credentialsSecret: "app.app-shop-postgresql.credentials.postgresql.acid.zalan.do" });
    assert.equal(r.outputs.endpoint, "http://shop.apps.acme.io");
  });

  test("without a database driver no postgresql request is written and the app gets no DB settings", async () => {
    const r = await renderRequest(webAppPromise, req({ name: "static", image: "nginx:1.27" }), { destinations: DESTS });
    assert.deepEqual(r.objects.platform.map((c) => c.kind).sort(), ["NginxIngress", "jenkins"]);
    const env = (r.objects.worker[0].spec as { template: { spec: { containers: { env: unknown[] }[] } } }).template.spec.containers[0].env;
    assert.deepEqual(env, []);
  });

  test("with no platform destination the child requests are not written to a worker: the request is Unscheduled", async () => {
    const r = await renderRequest(webAppPromise, req({ name: "shop", image: "shop:1" }), { destinations: [DESTS[0]] });
    assert.deepEqual(Object.keys(r.files), ["worker"]);
    assert.deepEqual(r.objects.worker.map((o) => o.kind), ["Deployment"]);
    const ready = r.status.conditions.find((c) => c.type === "Ready")!;
    assert.deepEqual([ready.status, ready.reason], ["False", "Unscheduled"]);
  });

  test("bad input is refused with field paths", () => {
    expectInvalid(webAppPromise, req({ image: "x:1" }), ["spec.name"]);
    expectInvalid(webAppPromise, req({ name: "Shop_App", image: "not an image", dbDriver: "mysql", service: { port: -80 } }), ["spec.name", "spec.image", "spec.dbDriver", "spec.service.port"]);
    expectInvalid(webAppPromise, req({ name: "123", image: "x:1", env: { "BAD NAME": "v" } }), ["spec.name", "spec.env.BAD NAME"]);
    expectInvalid(webAppPromise, { ...req({ name: "a", image: "a:1" }), apiVersion: "marketplace.kratix.io/v1alpha1" }, ["apiVersion"]);
  });

  test("rendered placement directories (worker and platform) build with kubectl kustomize", async () => {
    const r = await renderRequest(webAppPromise, kratixFixture("web-app").object, { destinations: DESTS });
    const built = kustomizeBuild(r.placements);
    const kinds = Object.values(built).map((objs: K8sObject[]) => objs.map((o) => o.kind).sort().join(","));
    assert.deepEqual(kinds.sort(), ["Deployment", "NginxIngress,jenkins,postgresql"]);
  });

  test("installing without its required Promises fails naming them", async () => {
    const args = { promise: webAppPromise, destinations: DESTS, store: "test", installed: ["jenkins"] };
    assert.deepEqual(missingRequiredPromises(webAppPromise, ["jenkins"]).map((i) => i.path.join(".")), ["requiredPromises.1.name", "requiredPromises.2.name"]);
    assert.throws(() => checkInstallation(args), (e: unknown) => {
      assert.ok(e instanceof ValidationError);
      assert.equal(e.code, "RequiredPromiseMissing");
      assert.match(e.message, /requires Promise "postgresql"/);
      assert.match(e.message, /requires Promise "nginx-ingress"/);
      assert.doesNotMatch(e.message, /requires Promise "jenkins"/);
      return true;
    });
    await assert.rejects(renderDependencies(webAppPromise, { destinations: DESTS, installed: [] }), /requires Promise "jenkins"/);
    const ok = await renderDependencies(webAppPromise, { destinations: DESTS, installed: ["jenkins", "postgresql", "nginx-ingress"] });
    assert.equal(ok.registry.apiVersion, "marketplace.kratix.io/v1");
    assert.equal(ok.registry.kind, "app");
  });
});
