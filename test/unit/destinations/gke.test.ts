import { test, describe, beforeEach } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { recordResources, runProgram } from "../../support/mocks";
import { GkeDestination } from "../../../destinations/gke";
import { nodeAccountId } from "../../../destinations/gke/builders";
import { ValidationError } from "../../../components/errors";
import { fluxCrds } from "../flux/crds";
import { cloudState, FAKE_CA_B64 } from "./cloud-state";

const rec = recordResources({ state: cloudState });
beforeEach(() => rec.clear());

const stateStore = { url: "https://git.example/store.git", branch: "prod", username: "flux", password: "token" };
const gke = { project: "easyeaty-prod", region: "europe-west1", subnetCidr: "10.2.0.0/20", podsCidr: "10.4.0.0/14", servicesCidr: "10.2.16.0/20", nodePool: { nodeCount: 2 } };

describe("GkeDestination", () => {
  test("creates network, subnetwork, node account and roles, cluster, node pool, provider and Flux", async () => {
    const crds = await fluxCrds();
    let dest: GkeDestination | undefined;
    const out = await runProgram(() => {
      dest = new GkeDestination("gke-prod", { registration: { name: "gke-prod", labels: { cloud: "gcp", env: "prod" }, strictMatchLabels: true }, gke, stateStore, flux: { isolated: false }, fluxCrds: crds });
      return { kubeconfig: dest.kubeconfig };
    });
    assert.deepEqual(rec.resources.filter((r) => r.type.startsWith("gcp:")).map((r) => `${r.type} ${r.name}`).sort(), [
      "gcp:compute/network:Network gke-prod-network",
      "gcp:compute/subnetwork:Subnetwork gke-prod-subnet",
      "gcp:container/cluster:Cluster gke-prod-cluster",
      "gcp:container/nodePool:NodePool gke-prod-nodes",
      "gcp:projects/iAMMember:IAMMember gke-prod-nodes-artifactregistry-reader",
      "gcp:projects/iAMMember:IAMMember gke-prod-nodes-logging-logwriter",
      "gcp:projects/iAMMember:IAMMember gke-prod-nodes-monitoring-metricwriter",
      "gcp:serviceaccount/account:Account gke-prod-nodes-sa",
    ]);
    assert.equal(rec.named("gke-prod")?.type, "plinth:gke:GkeDestination");
    assert.equal(rec.named("gke-prod-network")!.inputs.autoCreateSubnetworks, false);
    const subnet = rec.named("gke-prod-subnet")!.inputs;
    assert.equal(subnet.ipCidrRange, "10.2.0.0/20");
    assert.equal(subnet.region, "europe-west1");
    assert.equal(subnet.network, "gke-prod-network-id");
    assert.deepEqual(subnet.secondaryIpRanges, [
      { rangeName: "gke-prod-pods", ipCidrRange: "10.4.0.0/14" },
      { rangeName: "gke-prod-services", ipCidrRange: "10.2.16.0/20" },
    ]);
    const email = "gke-prod-nodes@easyeaty-prod.iam.gserviceaccount.com";
    assert.deepEqual(rec.ofType("gcp:projects/iAMMember:IAMMember").map((m) => [m.inputs.role, m.inputs.member, m.inputs.project]).sort(), [
      ["roles/artifactregistry.reader", `serviceAccount:${email}`, "easyeaty-prod"],
      ["roles/logging.logWriter", `serviceAccount:${email}`, "easyeaty-prod"],
      ["roles/monitoring.metricWriter", `serviceAccount:${email}`, "easyeaty-prod"],
    ]);
    const cluster = rec.named("gke-prod-cluster")!.inputs;
    assert.equal(cluster.location, "europe-west1");
    assert.equal(cluster.project, "easyeaty-prod");
    assert.equal(cluster.removeDefaultNodePool, true);
    assert.equal(cluster.subnetwork, "gke-prod-subnet-id");
    assert.deepEqual(cluster.ipAllocationPolicy, { clusterSecondaryRangeName: "gke-prod-pods", servicesSecondaryRangeName: "gke-prod-services" });
    const pool = rec.named("gke-prod-nodes")!.inputs;
    assert.equal(pool.nodeCount, 2);
    assert.equal(pool.cluster, "gke-prod");
    assert.equal(pool.nodeConfig.machineType, "e2-standard-4");
    assert.equal(pool.nodeConfig.serviceAccount, email);

    assert.equal(await pulumi.isSecret(dest!.kubeconfig), true);
    const kc = parse(out.kubeconfig);
    assert.equal(kc.clusters[0].cluster.server, "https://34.77.1.23");
    assert.equal(kc.clusters[0].cluster["certificate-authority-data"], FAKE_CA_B64);
    assert.equal(kc.users[0].user.exec.command, "gke-gcloud-auth-plugin");
    assert.equal(kc["current-context"], "gke_easyeaty-prod_europe-west1_gke-prod");

    assert.deepEqual(dest!.destination, { name: "gke-prod", labels: { cloud: "gcp", env: "prod" }, path: "gke-prod", strictMatchLabels: true, stateStore: "default" });
    // `flux.isolated: false`: one shared source; still a Kustomization per request (the index in `flux/`).
    const repo = rec.ofType("kubernetes:source.toolkit.fluxcd.io/v1:GitRepository");
    assert.equal(repo.length, 1);
    assert.equal(repo[0].inputs.metadata.name, "plinth-state-store");
    assert.equal(repo[0].inputs.spec.ref.branch, "prod");
    assert.deepEqual(rec.ofType("kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization").map((k) => [k.inputs.metadata.name, k.inputs.spec.path, k.inputs.spec.sourceRef.name]).sort(), [
      ["gke-prod-dependencies", "./gke-prod/dependencies", "plinth-state-store"],
      ["gke-prod-resources", "./gke-prod/flux", "plinth-state-store"],
    ]);
    // No teams: no team accounts, only the controllers'.
    assert.ok(!rec.ofType("kubernetes:core/v1:ServiceAccount").some((a) => a.inputs.metadata.name.startsWith("plinth-team-")));
  });

  test("service account ids fit GCP's 6–30 character rule", () => {
    assert.equal(nodeAccountId("gke-prod"), "gke-prod-nodes");
    assert.equal(nodeAccountId("a"), "a-nodes");
    assert.equal(nodeAccountId("1x"), "x-nodes");
    assert.equal(nodeAccountId("a-very-long-destination-name-indeed"), "a-very-long-destination-name-i");
    assert.ok(nodeAccountId("1x").length >= 6);
  });

  test("a missing project and a zero node count fail naming the key, before any resource", async () => {
    const crds = await fluxCrds();
    const { project: _p, ...noProject } = gke;
    assert.throws(
      () => new GkeDestination("g", { registration: { name: "g" }, gke: { ...noProject, nodePool: { nodeCount: 0 } } as typeof gke, stateStore, fluxCrds: crds }),
      (e: ValidationError) => {
        assert.deepEqual(e.issues.map((i) => i.path.join(".")).sort(), ["gke.nodePool.nodeCount", "gke.project"]);
        assert.match(e.message, /gke\.project: is required: the GCP project id/);
        return true;
      },
    );
    assert.throws(() => new GkeDestination("g", { registration: { name: "g" }, gke: { ...gke, podsCidr: "10.2.8.0/21" }, stateStore, fluxCrds: crds }), /gke\.podsCidr: 10\.2\.8\.0\/21 overlaps gke\.subnetCidr/);
    assert.equal(rec.resources.length, 0);
  });
});
