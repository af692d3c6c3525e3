import { test, describe, beforeEach } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { recordResources, runProgram } from "../../support/mocks";
import { EksDestination } from "../../../destinations/eks";
import { ValidationError } from "../../../components/errors";
import { validateCustomResource } from "../../../components/flux";
import { fluxCrds } from "../flux/crds";
import { cloudState, FAKE_CA_B64 } from "./cloud-state";
import { isSecretValue } from "./secret-value";

const rec = recordResources({ state: cloudState });
beforeEach(() => rec.clear());

const teams = [
  { name: "team-a", namespaces: ["team-a", "shared"] },
  { name: "admins", namespaces: ["*"] },
];
const stateStore = { url: "https://git.example/store.git", branch: "main", path: "clusters", username: "flux", password: "token" };
const eks = {
  region: "eu-west-1",
  vpcCidr: "10.1.0.0/16",
  subnetCidrs: ["10.1.0.0/20", "10.1.16.0/20"],
  nodeGroup: { instanceTypes: ["m6i.large"], desiredSize: 3, minSize: 2, maxSize: 5 },
};

describe("EksDestination", () => {
  test("creates network, IAM, cluster, node group, provider and Flux with the configured inputs", async () => {
    const fluxCrdObjects = await fluxCrds();
    let dest: EksDestination | undefined;
    const out = await runProgram(() => {
      dest = new EksDestination("eks-prod", { registration: { name: "eks-prod", labels: { cloud: "aws", env: "prod" } }, eks, stateStore, fluxCrds: fluxCrdObjects, teams });
      return { kubeconfig: dest.kubeconfig, clusterName: dest.clusterName };
    });
    const cloud = rec.resources.filter((r) => r.type.startsWith("aws:")).map((r) => `${r.type} ${r.name}`);
    assert.deepEqual(cloud.sort(), [
      "aws:ec2/vpc:Vpc eks-prod-vpc",
      "aws:ec2/internetGateway:InternetGateway eks-prod-igw",
      "aws:ec2/routeTable:RouteTable eks-prod-rt",
      "aws:ec2/subnet:Subnet eks-prod-subnet-0",
      "aws:ec2/subnet:Subnet eks-prod-subnet-1",
      "aws:ec2/routeTableAssociation:RouteTableAssociation eks-prod-rta-0",
      "aws:ec2/routeTableAssociation:RouteTableAssociation eks-prod-rta-1",
      "aws:iam/role:Role eks-prod-cluster-role",
      "aws:iam/rolePolicyAttachment:RolePolicyAttachment eks-prod-cluster-AmazonEKSClusterPolicy",
      "aws:iam/role:Role eks-prod-node-role",
      "aws:iam/rolePolicyAttachment:RolePolicyAttachment eks-prod-node-AmazonEKSWorkerNodePolicy",
      "aws:iam/rolePolicyAttachment:RolePolicyAttachment eks-prod-node-AmazonEKS_CNI_Policy",
      "aws:iam/rolePolicyAttachment:RolePolicyAttachment eks-prod-node-AmazonEC2ContainerRegistryReadOnly",
      "aws:eks/cluster:Cluster eks-prod-cluster",
      "aws:eks/nodeGroup:NodeGroup eks-prod-nodes",
    ].sort());
    assert.equal(rec.named("eks-prod")?.type, "plinth:eks:EksDestination");
    assert.equal(rec.named("eks-prod-vpc")!.inputs.cidrBlock, "10.1.0.0/16");
    assert.deepEqual(rec.ofType("aws:ec2/subnet:Subnet").map((s) => [s.inputs.cidrBlock, s.inputs.availabilityZone, s.inputs.vpcId]).sort(), [
      ["10.1.0.0/20", "eu-west-1a", "eks-prod-vpc-id"],
      ["10.1.16.0/20", "eu-west-1b", "eks-prod-vpc-id"],
    ]);
    assert.equal(rec.named("eks-prod-subnet-0")!.inputs.tags["kubernetes.io/cluster/eks-prod"], "shared");
    assert.deepEqual(rec.named("eks-prod-rt")!.inputs.routes, [{ cidrBlock: "0.0.0.0/0", gatewayId: "eks-prod-igw-id" }]);
    assert.equal(JSON.parse(rec.named("eks-prod-cluster-role")!.inputs.assumeRolePolicy).Statement[0].Principal.Service, "eks.amazonaws.com");
    assert.equal(JSON.parse(rec.named("eks-prod-node-role")!.inputs.assumeRolePolicy).Statement[0].Principal.Service, "ec2.amazonaws.com");
    assert.equal(rec.named("eks-prod-node-AmazonEKS_CNI_Policy")!.inputs.role, "eks-prod-node-role");

    const cluster = rec.named("eks-prod-cluster")!.inputs;
    assert.equal(cluster.name, "eks-prod");
    assert.equal(cluster.version, "1.33");
    assert.equal(cluster.roleArn, "arn:aws:iam::123456789012:role/eks-prod-cluster-role");
    assert.deepEqual(cluster.vpcConfig.subnetIds, ["eks-prod-subnet-0-id", "eks-prod-subnet-1-id"]);
    const ng = rec.named("eks-prod-nodes")!.inputs;
    assert.deepEqual(ng.scalingConfig, { desiredSize: 3, minSize: 2, maxSize: 5 });
    assert.deepEqual(ng.instanceTypes, ["m6i.large"]);
    assert.equal(ng.clusterName, "eks-prod");
    assert.equal(ng.nodeRoleArn, "arn:aws:iam::123456789012:role/eks-prod-node-role");

    // kubeconfig: secret output, real-looking content, exec auth (no static credential)
    assert.equal(await pulumi.isSecret(dest!.kubeconfig), true);
    const kc = parse(out.kubeconfig);
    assert.equal(kc.clusters[0].cluster.server, "https://0A1B2C3D4E5F60718293A4B5C6D7E8F9.gr7.eu-west-1.eks.amazonaws.com");
    assert.equal(kc.clusters[0].cluster["certificate-authority-data"], FAKE_CA_B64);
    assert.deepEqual(kc.users[0].user.exec.args, ["eks", "get-token", "--cluster-name", "eks-prod", "--region", "eu-west-1", "--output", "json"]);
    assert.equal(kc["current-context"], "eks-eks-prod");
    // the provider got it as a secret too
    const provider = rec.named("eks-prod-k8s", "pulumi:providers:kubernetes")!;
    assert.equal(isSecretValue(provider.inputs.kubeconfig), true);

    // registration and Flux on this cluster
    assert.deepEqual(dest!.destination, { name: "eks-prod", labels: { cloud: "aws", env: "prod" }, path: "eks-prod", strictMatchLabels: false, stateStore: "default" });
    // Per request, as on a local cluster: `<dest>-resources` applies the destination's index (`flux/`),
    // and with isolated revisions (the default) it and the dependencies each read their own scope branch.
    const ks = rec.ofType("kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization");
    assert.deepEqual(ks.map((k) => [k.name, k.inputs.metadata.name, k.inputs.spec.path, k.inputs.spec.sourceRef.name, k.inputs.spec.serviceAccountName]).sort(), [
      ["eks-prod-flux-eks-prod-dependencies", "eks-prod-dependencies", "./clusters/eks-prod/dependencies", "eks-prod-dependencies", "kustomize-controller"],
      ["eks-prod-flux-eks-prod-resources", "eks-prod-resources", "./clusters/eks-prod/flux", "eks-prod-resources", "kustomize-controller"],
    ]);
    assert.equal(rec.named("eks-prod-flux-eks-prod-resources")!.inputs.spec.dependsOn, undefined, "the index waits for nothing: each shard waits for the dependencies");
    assert.ok(ks.every((k) => k.provider?.includes("eks-prod-k8s")));
    for (const k of ks) assert.deepEqual(validateCustomResource(fluxCrdObjects, k.inputs), []);
    const repos = rec.ofType("kubernetes:source.toolkit.fluxcd.io/v1:GitRepository");
    assert.deepEqual(repos.map((r) => [r.inputs.metadata.name, r.inputs.spec.url, r.inputs.spec.ref.branch, r.inputs.spec.secretRef.name, r.inputs.spec.sparseCheckout]).sort(), [
      ["eks-prod-dependencies", stateStore.url, "plinth/clusters/eks-prod/dependencies", "plinth-state-store-auth", ["clusters/eks-prod/dependencies"]],
      ["eks-prod-resources", stateStore.url, "plinth/clusters/eks-prod/flux/index", "plinth-state-store-auth", ["clusters/eks-prod/flux"]],
      ["plinth-state-store", stateStore.url, "main", "plinth-state-store-auth", undefined],
    ]);
    for (const r of repos) assert.deepEqual(validateCustomResource(fluxCrdObjects, r.inputs), []);
    // The Secret every source (and each request's own GitRepository in the index) authenticates with.
    const auth = rec.ofType("kubernetes:core/v1:Secret").find((x) => x.inputs.metadata.name === "plinth-state-store-auth")!;
    assert.equal(auth.inputs.metadata.namespace, "flux-system");
    assert.equal(isSecretValue(auth.inputs.stringData), true, "clone credentials only as a secret");
    // In-cluster controllers, kustomize-controller locked down; each restricted team applied as its own account.
    const kc2 = rec.ofType("kubernetes:apps/v1:Deployment").find((d) => d.inputs.metadata.name === "kustomize-controller")!;
    assert.ok(kc2.inputs.spec.template.spec.containers[0].args.includes("--default-service-account=default"));
    assert.deepEqual(rec.ofType("kubernetes:core/v1:ServiceAccount").map((a) => a.inputs.metadata.name).filter((n: string) => n.startsWith("plinth-team-")), ["plinth-team-team-a"]);
    assert.deepEqual(rec.ofType("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding").map((b) => [b.inputs.metadata.namespace, b.inputs.metadata.name, b.inputs.subjects[0].name]).sort(), [
      ["shared", "plinth-team-team-a", "plinth-team-team-a"],
      ["team-a", "plinth-team-team-a", "plinth-team-team-a"],
    ]);
    assert.deepEqual(rec.ofType("kubernetes:core/v1:Namespace").map((n) => n.inputs.metadata.name).sort(), ["flux-system", "shared", "team-a"]);
  });

  test("bad arguments fail naming the key before any resource is created", async () => {
    const fluxCrdObjects = await fluxCrds();
    const bad = { ...eks, region: "", subnetCidrs: ["10.1.0.0/20", "10.2.0.0/20"], nodeGroup: { ...eks.nodeGroup, minSize: 0 } };
    assert.throws(
      () => new EksDestination("x", { registration: { name: "x" }, eks: bad, stateStore, fluxCrds: fluxCrdObjects }),
      (e: ValidationError) => {
        assert.ok(e instanceof ValidationError);
        assert.deepEqual(e.issues.map((i) => i.path.join(".")).sort(), ["eks.nodeGroup.minSize", "eks.region"]);
        return true;
      },
    );
    assert.throws(
      () => new EksDestination("x", { registration: { name: "x" }, eks: { ...eks, subnetCidrs: ["10.1.0.0/20", "10.2.0.0/20"] }, stateStore, fluxCrds: fluxCrdObjects }),
      /eks\.subnetCidrs\[1\]: 10\.2\.0\.0\/20 is not inside vpcCidr 10\.1\.0\.0\/16/,
    );
    assert.throws(() => new EksDestination("x", { registration: { name: "X_bad" }, eks, stateStore, fluxCrds: fluxCrdObjects }), /registration\.name: must be a DNS-1123 label/);
    assert.equal(rec.resources.length, 0);
  });
});
