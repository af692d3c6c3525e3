/**
 * The EasyEaty topology (platform on EKS, EKS + GKE workers, an on-prem/edge k3s site) built under the
 * recording mocks: no errors, every kubeconfig a secret, and the full resource graph equal to the reviewed
 * listing in test/fixtures/easyeaty-graph.txt (regenerate with PLINTH_UPDATE_GRAPH=1 and review the diff).
 */
import { test, describe, beforeEach } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { recordResources, runProgram } from "../../support/mocks";
import { buildTopology, type Topology } from "../../../destinations";
import { validateCustomResource } from "../../../components/flux";
import { ValidationError } from "../../../components/errors";
import { fluxCrds } from "../flux/crds";
import { cloudState } from "./cloud-state";
import { isSecretValue } from "./secret-value";

const rec = recordResources({ state: cloudState });
beforeEach(() => rec.clear());

const FIXTURES = path.join(__dirname, "..", "..", "fixtures");
const config = JSON.parse(fs.readFileSync(path.join(FIXTURES, "easyeaty.config.json"), "utf8"));
const GRAPH = path.join(FIXTURES, "easyeaty-graph.txt");
// Pulumi.easyeaty.yaml's `plinth:teams`.
const teams = [
  { name: "team-1", namespaces: ["team-1"] },
  { name: "team-2", namespaces: ["team-2"] },
];

describe("EasyEaty topology", () => {
  test("builds every destination under mocks and matches the reviewed resource graph", async () => {
    const crds = await fluxCrds();
    let topo: Topology | undefined;
    const out = await runProgram(() => {
      topo = buildTopology(config, { fluxCrds: crds, teams });
      return { destinations: topo.destinations, kubeconfigs: topo.kubeconfigs };
    });
    assert.deepEqual(out.destinations, [
      { name: "platform", labels: { environment: "platform" }, path: "platform", strictMatchLabels: false, stateStore: "default" },
      { name: "eks-prod", labels: { cloud: "aws", env: "prod" }, path: "eks-prod", strictMatchLabels: false, stateStore: "default" },
      { name: "gke-prod", labels: { cloud: "gcp", env: "prod" }, path: "gke-prod", strictMatchLabels: false, stateStore: "default" },
      { name: "edge", labels: { location: "edge" }, path: "edge/amsterdam-1", strictMatchLabels: false, stateStore: "default" },
    ]);
    for (const [name, kc] of Object.entries(topo!.kubeconfigs)) {
      assert.equal(await pulumi.isSecret(kc), true, `${name} kubeconfig is secret`);
      assert.match(out.kubeconfigs[name], /^apiVersion: v1\n/);
    }
    assert.equal(rec.named("platform")?.type, "plinth:eks:EksDestination");

    // Secrets from the config reach the engine only as secrets.
    const plain = JSON.stringify(rec.resources.filter((r) => !isSecretValue(r.inputs)).map((r) => stripSecrets(r.inputs)));
    assert.ok(!plain.includes(config.stateStore.password), "State Store password only inside secrets");
    assert.ok(!plain.includes(config.destinations[3].onprem.privateKey), "SSH key only inside secrets");

    // Every Flux object validates against Flux's v1 schema and points at its destination's path and branch.
    for (const r of rec.resources.filter((x) => x.type.includes("toolkit.fluxcd.io"))) {
      assert.deepEqual(validateCustomResource(crds, r.inputs), [], r.name);
    }
    // Every cluster applies its per-request index (`flux/`), each directory from its own scope branch.
    const ks = rec.ofType("kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization").map((k) => [k.inputs.spec.path, k.inputs.spec.sourceRef.name]).sort();
    assert.deepEqual(ks, [
      ["./clusters/edge/amsterdam-1/dependencies", "edge-dependencies"],
      ["./clusters/edge/amsterdam-1/flux", "edge-resources"],
      ["./clusters/eks-prod/dependencies", "eks-prod-dependencies"],
      ["./clusters/eks-prod/flux", "eks-prod-resources"],
      ["./clusters/gke-prod/dependencies", "gke-prod-dependencies"],
      ["./clusters/gke-prod/flux", "gke-prod-resources"],
      ["./clusters/platform/dependencies", "platform-dependencies"],
      ["./clusters/platform/flux", "platform-resources"],
    ]);
    const repos = rec.ofType("kubernetes:source.toolkit.fluxcd.io/v1:GitRepository");
    assert.ok(repos.every((g) => g.inputs.spec.url === config.stateStore.url && g.inputs.spec.secretRef.name === "plinth-state-store-auth"));
    assert.deepEqual(repos.filter((g) => g.inputs.metadata.name === "plinth-state-store").map((g) => g.inputs.spec.ref.branch), ["main", "main", "main", "main"]);
    assert.ok(repos.filter((g) => g.inputs.metadata.name !== "plinth-state-store").every((g) => g.inputs.spec.ref.branch.startsWith("plinth/clusters/")));
    // Each team's requests are applied as its own account on every cluster.
    const teamAccounts = rec.ofType("kubernetes:core/v1:ServiceAccount").filter((a) => a.inputs.metadata.name.startsWith("plinth-team-"));
    assert.equal(teamAccounts.length, 8);

    const listing = rec.resources.map((r) => `${r.type} ${r.name}`).sort().join("\n") + "\n";
    if (process.env.PLINTH_UPDATE_GRAPH === "1") fs.writeFileSync(GRAPH, listing);
    assert.equal(listing, fs.readFileSync(GRAPH, "utf8"));
  });

  test("a bad config creates nothing and names the key", async () => {
    const crds = await fluxCrds();
    const bad = structuredClone(config);
    delete bad.destinations[2].gke.region;
    await assert.rejects(
      runProgram(() => buildTopology(bad, { fluxCrds: crds }).destinations),
      (e: ValidationError) => e instanceof ValidationError && /destinations\[2\]\.gke\.region: is required/.test(e.message),
    );
    assert.equal(rec.resources.length, 0);
  });
});

/** Inputs with every secret value removed. */
function stripSecrets(v: unknown): unknown {
  if (isSecretValue(v)) return "[secret]";
  if (Array.isArray(v)) return v.map(stripSecrets);
  if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, stripSecrets(x)]));
  return v;
}
