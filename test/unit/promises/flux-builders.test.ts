import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { ValidationError } from "../../../components/errors";
import { helmChartConfig, helmChartDependencies, helmRelease, helmRepository, isExactChartVersion, mergeValues } from "../../../components/promise/flux";
import { fluxIssues } from "./helpers";

function issuesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ValidationError, String(e));
    return e.issues.map((i) => i.path.join("."));
  }
  assert.fail("expected a ValidationError");
}

describe("Flux Helm builders", () => {
  test("HelmRepository and pinned HelmRelease validate against the generated Flux CRDs", async () => {
    const repo = helmRepository({ name: "ingress-nginx", namespace: "ingress-nginx", url: "https://kubernetes.github.io/ingress-nginx" });
    const oci = helmRepository({ name: "podinfo", namespace: "apps", url: "oci://ghcr.io/stefanprodan/charts", type: "oci", interval: "30m" });
    const rel = helmRelease({
      name: "ingress-nginx", namespace: "ingress-nginx", chart: "ingress-nginx", version: "4.14.1",
      repository: { name: "ingress-nginx" }, values: { controller: { replicaCount: 2 } }, targetNamespace: "edge",
    });
    assert.equal(repo.apiVersion, "source.toolkit.fluxcd.io/v1");
    assert.equal(rel.apiVersion, "helm.toolkit.fluxcd.io/v2");
    assert.deepEqual(await fluxIssues([repo, oci, rel]), []);
    const chart = (rel.spec as { chart: { spec: Record<string, unknown> } }).chart.spec;
    assert.equal(chart.version, "4.14.1");
    assert.deepEqual(chart.sourceRef, { kind: "HelmRepository", name: "ingress-nginx", namespace: "ingress-nginx" });
    assert.equal((oci.spec as { type: string }).type, "oci");
  });

  test("the CRD validator catches a malformed HelmRelease (the check is not vacuous)", async () => {
    const rel = helmRelease({ name: "x", namespace: "y", chart: "c", version: "1.0.0", repository: { name: "r" } });
    const broken = { ...rel, spec: { ...(rel.spec as object), install: { crds: "Sometimes" } } };
    const got = await fluxIssues([broken]);
    assert.ok(got.some((l) => l.includes("spec.install.crds")), got.join("\n"));
  });

  test("versions must be exact pins; names, URLs and intervals are checked with field paths", () => {
    for (const v of ["1.2.3", "v4.14.1", "1.0.0-rc.1"]) assert.ok(isExactChartVersion(v), v);
    for (const v of ["*", "^1.2.0", ">=1.0.0", "1.x", "1.2", ""]) assert.ok(!isExactChartVersion(v), v);
    assert.deepEqual(
      issuesOf(() => helmRelease({ name: "Bad", namespace: "ns", chart: "c", version: "^1.0.0", repository: { name: "r" }, interval: "often" })).sort(),
      ["interval", "name", "version"],
    );
    assert.deepEqual(issuesOf(() => helmRepository({ name: "r", namespace: "n", url: "ftp://x" })), ["url"]);
    assert.deepEqual(issuesOf(() => helmRepository({ name: "r", namespace: "n", url: "https://x", type: "oci" })), ["url"]);
  });

  test("helmChartDependencies: Namespace, HelmRepository, HelmRelease; org values win over the Promise's", async () => {
    const cfg = helmChartConfig({ namespace: "ops", repository: "https://charts.example.com", chart: "op", version: "1.0.0" });
    const chart = cfg.parse({ values: { a: { b: 2 }, list: [9] } });
    const objs = helmChartDependencies({ release: "op", chart, values: { a: { b: 1, c: 3 }, list: [1, 2] } });
    assert.deepEqual(objs.map((o) => `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`), ["Namespace//ops", "HelmRepository/ops/op", "HelmRelease/ops/op"]);
    assert.deepEqual((objs[2].spec as { values: unknown }).values, { a: { b: 2, c: 3 }, list: [9] });
    assert.deepEqual(await fluxIssues(objs), []);
    const bad = cfg.safeParse({ version: "latest", namespace: "Ops" });
    assert.ok(!bad.success);
    assert.deepEqual(bad.error.issues.map((i) => i.path.join(".")).sort(), ["namespace", "version"]);
    assert.deepEqual(mergeValues({ x: { y: 1 } }, { x: { z: 2 } }), { x: { y: 1, z: 2 } });
  });
});
