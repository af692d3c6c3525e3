/**
 * Cluster destinations (EKS, GKE, on-prem) and their age key: the platform stack's key reaches each
 * cluster as Secret `flux-system/sops-age` through that cluster's own Kubernetes provider (a secret
 * input), and both of its Kustomizations decrypt SOPS with it. Without a key, neither exists.
 */
import { test, describe, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { recordResources, runProgram } from "../../support/mocks";
import { EksDestination } from "../../../destinations/eks";
import { GkeDestination } from "../../../destinations/gke";
import { OnPremDestination } from "../../../destinations/onprem";
import { buildTopology } from "../../../destinations/topology";
import { validateCustomResource } from "../../../components/flux";
import { fluxCrds } from "../flux/crds";
import { cloudState } from "./cloud-state";
import { isSecretValue, unwrapSecret } from "./secret-value";

const rec = recordResources({ state: cloudState });
beforeEach(() => rec.clear());

const IDENTITY = "AGE-SECRET-KEY-1QYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQS3T5LMS";
const stateStore = { url: "https://git.example/store.git", branch: "main", path: "clusters", username: "flux", password: "token" };
const eks = { region: "eu-west-1", vpcCidr: "10.1.0.0/16", subnetCidrs: ["10.1.0.0/20", "10.1.16.0/20"], nodeGroup: { instanceTypes: ["m6i.large"], desiredSize: 3, minSize: 2, maxSize: 5 } };
const gke = { project: "easyeaty-prod", region: "europe-west1", subnetCidr: "10.2.0.0/20", podsCidr: "10.4.0.0/14", servicesCidr: "10.2.16.0/20", nodePool: { nodeCount: 2 } };
const onprem = { hosts: ["192.0.2.10"], user: "ubuntu", privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nfake\n-----END OPENSSH PRIVATE KEY-----\n", k3sVersion: "v1.33.5+k3s1" };

const SECRET = "kubernetes:core/v1:Secret";
const KUSTOMIZATION = "kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization";

async function assertKeyed(name: string): Promise<void> {
  const crds = await fluxCrds();
  const key = rec.named(`${name}-flux-sops-age`, SECRET);
  assert.ok(key, `Secret ${name}-flux-sops-age; got ${rec.ofType(SECRET).map((s) => s.name).join(", ")}`);
  assert.equal(key.inputs.metadata.name, "sops-age");
  assert.equal(key.inputs.metadata.namespace, "flux-system");
  assert.equal(key.inputs.type, "Opaque");
  assert.ok(isSecretValue(key.inputs.stringData) || isSecretValue(key.inputs.stringData?.["age.agekey"]), "the private key reaches the engine as a secret");
  const data = unwrapSecret<Record<string, unknown>>(key.inputs.stringData);
  assert.equal(unwrapSecret(data["age.agekey"]), IDENTITY);
  assert.ok(key.provider?.includes(`${name}-k8s`), `applied through the cluster's provider, got ${key.provider}`);
  // A rotated key updates the Secret in place: a replacement would create, then delete the same object.
  assert.equal(rec.named(`${name}-k8s`, "pulumi:providers:kubernetes")?.inputs.enableSecretMutable, "true");
  const ks = rec.ofType(KUSTOMIZATION);
  assert.deepEqual(ks.map((k) => k.inputs.metadata.name).sort(), [`${name}-dependencies`, `${name}-resources`]);
  for (const k of ks) {
    assert.deepEqual(k.inputs.spec.decryption, { provider: "sops", secretRef: { name: "sops-age" } });
    assert.deepEqual(validateCustomResource(crds, k.inputs), []);
  }
}

describe("cluster destinations get the destination's age key for Flux", () => {
  test("EKS: sops-age Secret in flux-system through the EKS provider; both Kustomizations decrypt", async () => {
    const crds = await fluxCrds();
    await runProgram(() => new EksDestination("eks-prod", { registration: { name: "eks-prod" }, eks, stateStore, fluxCrds: crds, sopsIdentity: IDENTITY }).kubeconfig);
    await assertKeyed("eks-prod");
  });

  test("GKE: the same through the GKE provider", async () => {
    const crds = await fluxCrds();
    await runProgram(() => new GkeDestination("gke-prod", { registration: { name: "gke-prod" }, gke, stateStore, fluxCrds: crds, sopsIdentity: IDENTITY }).kubeconfig);
    await assertKeyed("gke-prod");
  });

  test("on-prem: the same through the k3s provider", async () => {
    const crds = await fluxCrds();
    await runProgram(() => new OnPremDestination("edge", { registration: { name: "edge" }, onprem, stateStore, fluxCrds: crds, sopsIdentity: IDENTITY }).kubeconfig);
    await assertKeyed("edge");
  });

  test("buildTopology hands each cluster its own key by name; a cluster without one gets no Secret and no decryption", async () => {
    const crds = await fluxCrds();
    await runProgram(() => {
      const t = buildTopology(
        {
          stateStore: { name: "default", ...stateStore },
          destinations: [
            { name: "eks-prod", kind: "eks", eks },
            { name: "edge", kind: "onprem", onprem },
          ],
        },
        { fluxCrds: crds, sopsIdentities: { "eks-prod": IDENTITY } },
      );
      return t.kubeconfigs;
    });
    assert.deepEqual(rec.ofType(SECRET).filter((s) => s.inputs.metadata?.name === "sops-age").map((s) => s.name), ["eks-prod-flux-sops-age"]);
    const edge = rec.ofType(KUSTOMIZATION).filter((k) => k.name.startsWith("edge-"));
    assert.equal(edge.length, 2);
    for (const k of edge) assert.equal(k.inputs.spec.decryption, undefined);
  });
});
