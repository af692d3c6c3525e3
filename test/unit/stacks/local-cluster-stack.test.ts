/**
 * The platform program with a `kind: local-cluster` destination, under the recording mocks: the
 * destination's root keeps a per-request Flux index, Flux is bootstrapped with external controllers (RBAC,
 * no Deployments) and `dev-resources` applies that index; without a running cluster the program refuses
 * naming the config key.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { recordResources, runProgram } from "../../support/mocks";
import { platformProgram, validatePlatformConfig } from "../../../stacks/platform";
import { fluxCrds } from "../flux/crds";
import { isSecretValue } from "../destinations/secret-value";

const config = {
  stateStores: [{ name: "default", embedded: true }],
  destinations: [
    { name: "prod", labels: { env: "prod" } },
    { name: "dev", kind: "local-cluster", labels: { env: "dev" }, flux: { interval: "30s" } },
  ],
  promises: [{ name: "namespace" }],
  teams: [{ name: "dev", namespaces: ["default"] }],
};
const setConfig = (cfg: Record<string, unknown>) => {
  for (const [k, v] of Object.entries(cfg)) pulumi.runtime.setConfig(`plinth:${k}`, JSON.stringify(v));
};

describe("platform program with a local-cluster destination", () => {
  test("config: kind local-cluster validates; an unknown kind names the field", () => {
    assert.equal(validatePlatformConfig(config).destinations[1].kind, "local-cluster");
    assert.throws(
      () => validatePlatformConfig({ ...config, destinations: [{ name: "dev", kind: "cluster" }] }),
      (e: Error & { issues?: { path: (string | number)[] }[] }) => /plinth:destinations\[0\]\.kind/.test(e.message) && /local-cluster/.test(e.message),
    );
  });

  test("bootstraps Flux on the cluster with external controllers and the per-request index", async () => {
    const rec = recordResources();
    setConfig(config);
    const crds = await fluxCrds();
    const out = (await runProgram(() =>
      platformProgram({
        fluxCrds: crds,
        storeUrls: { default: "http://127.0.0.1:9/git/default.git" },
        localClusters: { dev: { kubeconfig: "apiVersion: v1\nkind: Config\n" } },
        storeAuth: { default: { username: "plinth", password: "s3cret-pw" } },
      })(),
    )) as unknown as { destinations: { name: string }[] };
    assert.deepEqual(out.destinations.map((d) => d.name), ["prod", "dev"]);
    assert.equal(rec.ofType("plinth:local-cluster:LocalClusterDestination").length, 1);
    // Isolated revisions: the index names Flux's clone URL, each request gets its own GitRepository.
    assert.deepEqual(rec.named("dev-root")!.inputs, { store: "default", path: "dev", flux: { namespace: "flux-system", destination: "dev", sopsSecret: "sops-age", url: "http://127.0.0.1:9/git/default.git" } });
    // An age key per destination (rotation 0), and its re-encryption of the destination's directory.
    assert.deepEqual(rec.ofType("plinth:index:AgeKey").map((r) => [r.name, r.inputs.destination, r.inputs.rotation]).sort(), [["dev-age", "dev", 0], ["prod-age", "prod", 0]]);
    assert.deepEqual(rec.ofType("plinth:index:SopsRekey").map((r) => [r.name, r.inputs.store, r.inputs.dir]).sort(), [["dev-rekey", "default", "dev"], ["prod-rekey", "default", "prod"]]);
    assert.equal(rec.named("dev-flux-sops-age")?.inputs.metadata.name, "sops-age");
    assert.deepEqual(rec.named("prod-root")!.inputs, { store: "default", path: "prod" });
    const provider = rec.ofType("pulumi:providers:kubernetes");
    assert.equal(provider.length, 1);
    assert.equal(rec.ofType("kubernetes:apps/v1:Deployment").length, 0, "the controllers run outside the cluster");
    assert.deepEqual(rec.ofType("kubernetes:core/v1:ServiceAccount").map((r) => r.inputs.metadata.name).sort(), ["helm-controller", "kustomize-controller", "plinth-team-dev", "source-controller"]);
    // Flux lockdown: team dev's requests are applied as plinth-team-dev, admin only in its namespaces.
    const rb = rec.ofType("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding").map((r) => r.inputs);
    assert.deepEqual(rb.map((r) => [r.metadata.namespace, r.metadata.name, r.roleRef.name, r.subjects[0].name]), [["default", "plinth-team-dev", "cluster-admin", "plinth-team-dev"]]);
    const nsRole = rec.ofType("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole").find((r) => r.inputs.metadata.name === "plinth-team-dev-namespaces")!;
    assert.deepEqual(nsRole.inputs.rules, [{ apiGroups: [""], resources: ["namespaces"], resourceNames: ["default"], verbs: ["get", "patch", "update", "delete"] }]);
    assert.ok(rec.ofType("kubernetes:core/v1:Namespace").some((n) => n.inputs.metadata.name === "default"), "the team's namespaces exist for its RoleBindings");
    const ks = rec.ofType("kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization");
    assert.ok(ks.every((k) => k.inputs.spec.serviceAccountName === "kustomize-controller"), "the platform's Kustomizations name the platform's account");
    const paths = Object.fromEntries(ks.map((k) => [k.inputs.metadata.name, k.inputs.spec.path]));
    assert.deepEqual(paths, { "dev-dependencies": "./dev/dependencies", "dev-resources": "./dev/flux" });
    assert.ok(ks.every((k) => k.inputs.spec.interval === "30s"));
    const repos = rec.ofType("kubernetes:source.toolkit.fluxcd.io/v1:GitRepository").map((r) => r.inputs);
    assert.ok(repos.every((r) => r.spec.url === "http://127.0.0.1:9/git/default.git"));
    assert.deepEqual(Object.fromEntries(repos.map((r) => [r.metadata.name, r.spec.ref.branch])), { "plinth-state-store": "main", "dev-dependencies": "plinth/dev/dependencies", "dev-resources": "plinth/dev/flux/index" });
    assert.deepEqual(Object.fromEntries(ks.map((k) => [k.inputs.metadata.name, k.inputs.spec.sourceRef.name])), { "dev-dependencies": "dev-dependencies", "dev-resources": "dev-resources" });
    const secret = rec.named("dev-flux-git-auth")!;
    assert.ok(isSecretValue(secret.inputs.stringData?.password) || isSecretValue(secret.inputs.stringData) || isSecretValue(secret.inputs), "the Git password reaches the engine as a secret");
    assert.ok(isSecretValue(provider[0].inputs.kubeconfig), "the kubeconfig reaches the engine as a secret");
    assert.equal(rec.ofType("plinth:index:DestinationRoot").length, 2);
  });

  test("a local-cluster destination without a running cluster fails naming the key and the fix", async () => {
    recordResources();
    setConfig(config);
    await assert.rejects(
      runProgram(() => platformProgram({ fluxCrds: [], storeUrls: {} })()),
      /plinth:destinations\[1\]\.kind: "local-cluster" needs a running local cluster \(dev\); start the platform with `npm start -- --cluster`/,
    );
  });
});
