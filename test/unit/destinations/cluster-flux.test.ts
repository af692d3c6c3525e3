/**
 * A provisioned cluster's per-request Flux layout from its `flux` settings: the index its registration's
 * DestinationRoot keeps and what its FluxBootstrap applies agree (pure).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { clusterFluxArgs, clusterFluxIndex } from "../../../destinations/cluster-flux";
import { fluxConfigSchema } from "../../../destinations/cluster-config";
import { requestKustomization } from "../../../components/state-store/flux-index";
import { fluxSyncSpec } from "../../../components/flux/flux-bootstrap";
import { gitAuthSecret } from "../../../components/flux/sync";
import { parseAllDocuments } from "yaml";

const url = "https://git.example/store.git";

describe("cluster Flux layout", () => {
  test("the index: flux-system, the destination, sops-age, the store's URL and the request settings", () => {
    const flux = fluxConfigSchema.parse({ requestInterval: "30m", requestRetryInterval: "10s", requestTimeout: "2m" });
    assert.deepEqual(clusterFluxIndex({ destination: "eks-prod", flux, url, sops: true }), {
      namespace: "flux-system",
      destination: "eks-prod",
      sopsSecret: "sops-age",
      url,
      interval: "30m",
      retryInterval: "10s",
      timeout: "2m",
    });
    assert.deepEqual(clusterFluxIndex({ destination: "edge", flux: fluxConfigSchema.parse({ isolated: false }), url, sops: false }), { namespace: "flux-system", destination: "edge" }, "one shared source, no age key");
  });

  test("FluxBootstrap's arguments: per request, isolated as configured, the teams", () => {
    const teams = [{ name: "team-a", namespaces: ["team-a"] }];
    const flux = fluxConfigSchema.parse({ interval: "5m", retryInterval: "20s", timeout: "3m", concurrency: { kustomize: 8 } });
    assert.deepEqual(clusterFluxArgs(flux, teams), { interval: "5m", retryInterval: "20s", timeout: "3m", concurrency: { kustomize: 8 }, perRequest: true, isolated: true, teams });
    assert.equal(clusterFluxArgs(fluxConfigSchema.parse({ isolated: false }), undefined).isolated, false);
    assert.deepEqual(clusterFluxArgs(fluxConfigSchema.parse({}), undefined).teams, []);
  });

  test("each request's GitRepository authenticates with the Secret FluxBootstrap creates on the cluster", () => {
    const index = clusterFluxIndex({ destination: "eks-prod", flux: fluxConfigSchema.parse({}), url, sops: true });
    const [repo] = parseAllDocuments(
      requestKustomization({ destinationPath: "eks-prod", namespace: "team-a", promise: "redis", name: "cache" }, { basePath: "clusters", destination: "eks-prod", flux: index }),
    ).map((d) => d.toJSON());
    const secret = gitAuthSecret(fluxSyncSpec({ destination: "eks-prod", destinationPath: "eks-prod", stateStore: { url, branch: "main", path: "clusters", username: "u", password: "p" } }), "u", "p");
    assert.equal(repo.kind, "GitRepository");
    assert.equal(repo.spec.url, url);
    assert.equal(repo.spec.ref.branch, "plinth/clusters/eks-prod/resources/team-a/redis/cache");
    assert.equal(repo.spec.secretRef.name, secret.metadata.name);
    // The index's kustomization.yaml puts every entry in the Flux namespace, where the Secret is.
    assert.equal(secret.metadata.namespace, index.namespace);
  });
});
