import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { nginxIngressPromise } from "../../../promises/nginx-ingress";
import { renderRequest, renderDependencies, expectValid, expectInvalid } from "../../../promises/testing";
import { validatePromiseDefinition } from "../../../components/promise";
import { fluxIssues, kustomizeBuild } from "./helpers";

// The Kratix Marketplace nginx-ingress Promise has no resource API (api: null), so there is no Kratix
// example request to replay; this is the Plinth API's own example.
const req = (spec: unknown, name = "shop") => ({ apiVersion: "plinth.dev/v1alpha1", kind: "NginxIngress", metadata: { name, namespace: "web" }, spec });

describe("nginx-ingress Promise", () => {
  test("definition is valid; defaults fill path, pathType and the service", () => {
    assert.deepEqual(validatePromiseDefinition(nginxIngressPromise), []);
    assert.deepEqual(expectValid(nginxIngressPromise, req({})).spec, { path: "/", pathType: "Prefix", service: { port: 80, targetPort: 8080 } });
  });

  test("renders an Ingress of the org's class and its backing Service to the request path", async () => {
    const r = await renderRequest(nginxIngressPromise, req({ service: { port: 8080 } }), { config: { ingressClassName: "public", baseDomain: "apps.example.com", annotations: { "cert-manager.io/cluster-issuer": "le" } } });
    for (const p of Object.keys(r.files.dev)) assert.match(p, /^resources\/web\/nginx-ingress\/shop\/configure\/[0-9a-f]{5}\/(service|ingress|kustomization)\.yaml$/);
    const ing = r.objects.dev.find((o) => o.kind === "Ingress")!;
    const svc = r.objects.dev.find((o) => o.kind === "Service")!;
    assert.equal(ing.apiVersion, "networking.k8s.io/v1");
    assert.deepEqual(ing.spec, {
      ingressClassName: "public",
      rules: [{ host: "shop.apps.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "shop", port: { number: 8080 } } } }] } }],
    });
    assert.deepEqual(ing.metadata.annotations, { "cert-manager.io/cluster-issuer": "le" });
    assert.deepEqual(svc.spec, { type: "ClusterIP", selector: { app: "shop" }, ports: [{ name: "http", port: 8080, targetPort: 8080, protocol: "TCP" }] });
    assert.equal(svc.metadata.namespace, "web");
    assert.deepEqual(r.outputs, { endpoint: "http://shop.apps.example.com", host: "shop.apps.example.com" });
  });

  test("explicit host, path, TLS, service name and selector", async () => {
    const r = await renderRequest(nginxIngressPromise, req({ host: "www.shop.io", path: "/api", pathType: "Exact", tls: { secretName: "shop-tls" }, service: { name: "api", port: 443, targetPort: 9000, selector: { "app.kubernetes.io/name": "api" } } }));
    const ing = r.objects.dev.find((o) => o.kind === "Ingress")!;
    const spec = ing.spec as { tls: unknown; rules: { http: { paths: { backend: unknown }[] } }[] };
    assert.deepEqual(spec.tls, [{ hosts: ["www.shop.io"], secretName: "shop-tls" }]);
    assert.deepEqual(spec.rules[0].http.paths[0].backend, { service: { name: "api", port: { number: 443 } } });
    assert.equal(r.outputs.endpoint, "https://www.shop.io/api");
    assert.deepEqual((r.objects.dev.find((o) => o.kind === "Service")!.spec as { selector: unknown }).selector, { "app.kubernetes.io/name": "api" });
  });

  test("bad input is refused with field paths", () => {
    expectInvalid(nginxIngressPromise, req({ host: "Not A Host", pathType: "Regex", path: "api" }), ["spec.host", "spec.pathType", "spec.path"]);
    expectInvalid(nginxIngressPromise, req({ service: { port: -1, targetPort: 70000, name: "Svc" } }), ["spec.service.port", "spec.service.targetPort", "spec.service.name"]);
    expectInvalid(nginxIngressPromise, req({ tls: { secretName: "bad secret" }, service: { selector: { app: "bad value!" } } }), ["spec.tls.secretName", "spec.service.selector.app"]);
  });

  test("rendered placements build with kubectl kustomize", async () => {
    const r = await renderRequest(nginxIngressPromise, req({}));
    assert.deepEqual(Object.values(kustomizeBuild(r.placements)).flat().map((o) => o.kind).sort(), ["Ingress", "Service"]);
  });

  test("dependencies: the ingress-nginx chart through Flux, pinned, with the org's class, replicas and service type", async () => {
    const d = await renderDependencies(nginxIngressPromise, { config: { ingressClassName: "public", replicas: 2, serviceType: "NodePort", defaultClass: true } });
    const rel = d.objects.dev.find((o) => o.kind === "HelmRelease")!;
    const spec = rel.spec as { chart: { spec: { chart: string; version: string } }; values: { controller: Record<string, unknown> } };
    assert.deepEqual([spec.chart.spec.chart, spec.chart.spec.version], ["ingress-nginx", "4.14.1"]);
    assert.deepEqual(spec.values.controller, { replicaCount: 2, ingressClassResource: { name: "public", enabled: true, default: true }, service: { type: "NodePort" } });
    assert.equal((d.objects.dev.find((o) => o.kind === "HelmRepository")!.spec as { url: string }).url, "https://kubernetes.github.io/ingress-nginx");
    assert.equal(rel.metadata.namespace, "ingress-nginx");
    assert.deepEqual(await fluxIssues(d.objects.dev), []);
    assert.equal(Object.values(kustomizeBuild(d.placements)).flat().length, 3);
    await assert.rejects(renderDependencies(nginxIngressPromise, { config: { replicas: 0, ingressClassName: "Public" } }), /config\.replicas|config\.ingressClassName/);
  });
});
