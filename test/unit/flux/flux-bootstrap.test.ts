import { test, describe, beforeEach } from "node:test";
import assert from "node:assert/strict";
import * as k8s from "@pulumi/kubernetes";
import { recordResources, runProgram } from "../../support/mocks";
import { FluxBootstrap, FLUX_CONTROLLERS, gitRepository, kustomizations, validateCustomResource, fluxControllerObjects, type FluxSyncSpec } from "../../../components/flux";
import { controllerDeployment } from "../../../components/flux/controllers";
import { scopeGitRepositories } from "../../../components/flux/sync";
import { ValidationError } from "../../../components/errors";
import { fluxCrds } from "./crds";
import { isSecretValue, unwrapSecret } from "../destinations/secret-value";

const rec = recordResources();
beforeEach(() => rec.clear());

const spec: FluxSyncSpec = { destination: "edge", destinationPath: "edge/amsterdam-1", url: "https://git.example/store.git", branch: "release", storePath: "clusters", interval: "5m" };

describe("Flux sync builders", () => {
  test("GitRepository and Kustomizations point at the destination's path and branch and validate against Flux v1", async () => {
    const crds = await fluxCrds();
    const repo = gitRepository(spec);
    const [deps, res] = kustomizations(spec);
    assert.equal(repo.apiVersion, "source.toolkit.fluxcd.io/v1");
    assert.deepEqual(repo.spec, { url: spec.url, ref: { branch: "release" }, interval: "5m", secretRef: { name: "plinth-state-store-auth" } });
    assert.equal(deps.metadata.name, "edge-dependencies");
    assert.equal(res.metadata.name, "edge-resources");
    assert.equal((deps.spec as any).path, "./clusters/edge/amsterdam-1/dependencies");
    assert.equal((res.spec as any).path, "./clusters/edge/amsterdam-1/resources");
    assert.deepEqual((res.spec as any).dependsOn, [{ name: "edge-dependencies" }]);
    assert.equal((deps.spec as any).dependsOn, undefined);
    for (const o of [deps, res]) {
      assert.equal((o.spec as any).prune, true);
      assert.equal((o.spec as any).retryInterval, "5s", "a failed attempt is retried in seconds, not after the 5m interval");
      assert.deepEqual((o.spec as any).sourceRef, { kind: "GitRepository", name: "plinth-state-store" });
    }
    for (const o of [repo, deps, res]) assert.deepEqual(validateCustomResource(crds, o), [], `${o.kind} ${o.metadata.name}`);
  });

  test("a store at the repository root gives ./<dest>/… paths", () => {
    const [deps] = kustomizations({ ...spec, storePath: "", destinationPath: "eks-prod", destination: "eks-prod" });
    assert.equal((deps.spec as any).path, "./eks-prod/dependencies");
  });

  test("perRequest points <dest>-resources at the destination's per-request index", () => {
    const [deps, res] = kustomizations({ ...spec, perRequest: true });
    assert.equal((deps.spec as any).path, "./clusters/edge/amsterdam-1/dependencies");
    assert.equal((res.spec as any).path, "./clusters/edge/amsterdam-1/flux");
    assert.equal((res.spec as any).dependsOn, undefined, "each request's own Kustomization depends on edge-dependencies instead");
  });

  test("isolated: <dest>-dependencies and <dest>-resources each read their own GitRepository on a scope branch (valid Flux v1)", async () => {
    const crds = await fluxCrds();
    const s = { ...spec, perRequest: true, isolated: true, retryInterval: "10s", timeout: "2m" };
    const repos = scopeGitRepositories(s);
    assert.deepEqual(
      repos.map((r) => [r.metadata.name, (r.spec as any).ref.branch, (r.spec as any).sparseCheckout]),
      [
        ["edge-dependencies", "plinth/clusters/edge/amsterdam-1/dependencies", ["clusters/edge/amsterdam-1/dependencies"]],
        ["edge-resources", "plinth/clusters/edge/amsterdam-1/flux/index", ["clusters/edge/amsterdam-1/flux"]],
      ],
    );
    const [deps, res] = kustomizations(s);
    assert.deepEqual((deps.spec as any).sourceRef, { kind: "GitRepository", name: "edge-dependencies" });
    assert.deepEqual((res.spec as any).sourceRef, { kind: "GitRepository", name: "edge-resources" });
    assert.equal((res.spec as any).retryInterval, "10s");
    assert.equal((res.spec as any).timeout, "2m");
    for (const o of [...repos, deps, res]) assert.deepEqual(validateCustomResource(crds, o), [], `${o.kind} ${o.metadata.name}`);
    assert.deepEqual(scopeGitRepositories(spec), [], "not isolated: the shared source only");
    assert.throws(() => kustomizations({ ...spec, isolated: true }), /isolated needs perRequest/);
    assert.throws(() => kustomizations({ ...spec, timeout: "soon" }), /timeout must be a Go duration/);
  });

  test("controller concurrency becomes --concurrent", () => {
    const args = (d: any) => d.spec.template.spec.containers[0].args as string[];
    assert.ok(args(controllerDeployment("kustomize-controller", "flux-system", { kustomize: 8 })).includes("--concurrent=8"));
    assert.ok(!args(controllerDeployment("source-controller", "flux-system", { kustomize: 8 })).some((a) => a.startsWith("--concurrent")));
  });

  test("external controllers get their ServiceAccounts and RBAC but no Deployments or Service", () => {
    const objs = fluxControllerObjects("flux-system", "external");
    assert.deepEqual(
      objs.map((o) => `${o.kind}/${o.metadata.name}`),
      [
        "Namespace/flux-system",
        "ClusterRole/crd-controller-flux-system",
        "ServiceAccount/source-controller",
        "ServiceAccount/kustomize-controller",
        "ServiceAccount/helm-controller",
        "ClusterRoleBinding/crd-controller-flux-system",
        "ClusterRoleBinding/cluster-reconciler-flux-system",
      ],
    );
  });

  test("bad sync input is refused naming the field", () => {
    assert.throws(() => gitRepository({ ...spec, url: "git.example/x" }), (e: ValidationError) => e instanceof ValidationError && e.issues[0].path[0] === "url");
    assert.throws(() => kustomizations({ ...spec, interval: "5 minutes" }), /interval must be a Go duration/);
    assert.throws(() => kustomizations({ ...spec, destination: "Edge" }), /destination must be a DNS-1123 label/);
  });

  test("controllers run the pinned images with a non-root, read-only security context", () => {
    const deployments = fluxControllerObjects().filter((o) => o.kind === "Deployment");
    const images = deployments.map((d) => (d.spec as any).template.spec.containers[0].image).sort();
    assert.deepEqual(images, ["ghcr.io/fluxcd/helm-controller:v1.6.5", "ghcr.io/fluxcd/kustomize-controller:v1.9.6", "ghcr.io/fluxcd/source-controller:v1.9.0"]);
    assert.deepEqual(Object.values(FLUX_CONTROLLERS).sort(), images);
    for (const d of deployments) {
      const c = (d.spec as any).template.spec.containers[0];
      assert.equal(c.securityContext.runAsNonRoot, true);
      assert.equal(c.securityContext.readOnlyRootFilesystem, true);
      assert.equal((d.spec as any).template.spec.serviceAccountName, d.metadata.name);
    }
  });
});

describe("FluxBootstrap under mocks", () => {
  test("creates CRDs, controllers, auth Secret, GitRepository and both Kustomizations on the given provider", async () => {
    const crds = await fluxCrds();
    const out = await runProgram(() => {
      const provider = new k8s.Provider("edge-k8s", { kubeconfig: "apiVersion: v1\nkind: Config\n" });
      const flux = new FluxBootstrap("edge-flux", { provider, destination: "edge", destinationPath: "edge/amsterdam-1", stateStore: { url: spec.url, branch: "release", path: "clusters", username: "flux", password: "s3cret-token" }, interval: "5m", crds });
      return { paths: flux.paths, names: flux.kustomizationNames };
    });
    assert.deepEqual(out.names, ["edge-dependencies", "edge-resources"]);
    assert.equal(rec.named("edge-flux")?.type, "plinth:flux:FluxBootstrap");
    const crdRes = rec.ofType("kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition");
    assert.equal(crdRes.length, crds.length);
    assert.ok(crdRes.every((r) => r.provider?.includes("edge-k8s")), "CRDs use the destination's provider");
    assert.deepEqual(rec.ofType("kubernetes:apps/v1:Deployment").map((r) => r.inputs.spec.template.spec.containers[0].image).sort(), Object.values(FLUX_CONTROLLERS).sort());
    assert.deepEqual(rec.ofType("kubernetes:core/v1:Namespace").map((r) => r.inputs.metadata.name), ["flux-system"]);

    const secret = rec.named("edge-flux-git-auth", "kubernetes:core/v1:Secret")!;
    assert.deepEqual(unwrapSecret(secret.inputs.stringData), { username: "flux", password: "s3cret-token" });
    assert.equal(secret.inputs.metadata.name, "plinth-state-store-auth");

    const repo = rec.named("edge-flux-gitrepository", "kubernetes:source.toolkit.fluxcd.io/v1:GitRepository")!;
    assert.equal(repo.inputs.spec.ref.branch, "release");
    const ks = rec.ofType("kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization");
    assert.deepEqual(ks.map((k) => [k.name, k.inputs.spec.path]).sort(), [
      ["edge-flux-edge-dependencies", "./clusters/edge/amsterdam-1/dependencies"],
      ["edge-flux-edge-resources", "./clusters/edge/amsterdam-1/resources"],
    ]);
    // What the engine received is what Flux's v1 API accepts.
    for (const r of [repo, ...ks]) assert.deepEqual(validateCustomResource(crds, r.inputs), [], r.name);
  });

  test("the auth Secret reaches the engine as a secret even when the password is given as plain text", async () => {
    const crds = await fluxCrds();
    await runProgram(() => {
      const provider = new k8s.Provider("p", { kubeconfig: "x" });
      new FluxBootstrap("f", { provider, destination: "d", destinationPath: "d", stateStore: { url: spec.url, branch: "main", username: "u", password: "plain" }, crds });
      return {};
    });
    const secret = rec.named("f-git-auth", "kubernetes:core/v1:Secret")!;
    assert.equal(isSecretValue(secret.inputs.stringData), true);
    assert.deepEqual(unwrapSecret(secret.inputs.stringData), { username: "u", password: "plain" });
    assert.equal(isSecretValue(rec.named("f-gitrepository")!.inputs.spec), false);
  });

  test("missing CRDs fail before any resource is created", async () => {
    await assert.rejects(
      runProgram(() => {
        const provider = new k8s.Provider("p", { kubeconfig: "x" });
        rec.clear();
        new FluxBootstrap("f", { provider, destination: "d", destinationPath: "d", stateStore: { url: spec.url, branch: "main", username: "u", password: "p" }, crds: [] });
        return {};
      }),
      /crds is missing gitrepositories.source.toolkit.fluxcd.io/,
    );
    assert.equal(rec.resources.filter((r) => r.type !== "pulumi:providers:kubernetes").length, 0);
  });
});
