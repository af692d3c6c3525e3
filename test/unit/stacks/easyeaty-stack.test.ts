/**
 * The EasyEaty platform stack (Pulumi.easyeaty.yaml) run as the real platform program under the recording
 * mocks: clusters with Flux, their destination registrations, and the Marketplace installations.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import YAML from "yaml";
import { recordResources, runProgram } from "../../support/mocks";
import { platformProgram, validatePlatformConfig } from "../../../stacks/platform";
import { REPO_ROOT } from "../../support/pulumi";
import { locateFluxCrds } from "../../../tools/cluster/flux-crds";
import { fluxCrds } from "../flux/crds";
import { cloudState } from "../destinations/cloud-state";

const settings = YAML.parse(fs.readFileSync(path.join(REPO_ROOT, "Pulumi.easyeaty.yaml"), "utf8")) as { config: Record<string, unknown> };
const raw = Object.fromEntries(Object.entries(settings.config).map(([k, v]) => [k.replace(/^plinth:/, ""), v]));

describe("Pulumi.easyeaty.yaml", () => {
  test("its config validates", () => {
    const cfg = validatePlatformConfig(raw);
    assert.deepEqual(cfg.promises.map((p) => p.name), ["jenkins", "postgresql", "nginx-ingress", "redis", "namespace", "web-app"]);
  });

  test("the platform program builds clusters with Flux, registers them as destinations and installs the promises", async () => {
    const rec = recordResources({ state: cloudState });
    for (const [k, v] of Object.entries(settings.config)) pulumi.runtime.setConfig(k, JSON.stringify(v));
    const crds = await fluxCrds();
    const out = (await runProgram(() => platformProgram({ fluxCrds: crds, storeUrls: {} })())) as Record<string, unknown>;
    const types = (t: string) => rec.ofType(t).map((r) => r.name);
    assert.deepEqual(types("plinth:eks:EksDestination"), ["platform", "eks-prod"]);
    assert.deepEqual(types("plinth:gke:GkeDestination"), ["gke-prod"]);
    assert.deepEqual(types("plinth:onprem:OnPremDestination"), ["edge"]);
    assert.equal(types("plinth:flux:FluxBootstrap").length, 4, "Flux on every cluster");
    assert.deepEqual(types("plinth:index:DestinationRoot").sort(), ["edge-root", "eks-prod-root", "gke-prod-root", "platform-root"]);
    // Each cluster's registration keeps the per-request index its Flux applies: each request its own
    // Kustomization and GitRepository cloning the store as Flux on that cluster does, decrypting with sops-age.
    const url = (raw.clusters as { stateStore: { url: string } }).stateStore.url;
    assert.deepEqual(rec.named("edge-root")!.inputs, { store: "default", path: "edge/amsterdam-1", flux: { namespace: "flux-system", destination: "edge", sopsSecret: "sops-age", url } });
    for (const d of ["platform", "eks-prod", "gke-prod"]) {
      assert.deepEqual(rec.named(`${d}-root`)!.inputs.flux, { namespace: "flux-system", destination: d, sopsSecret: "sops-age", url }, d);
    }
    // … and every cluster applies it, each team's requests as the team's own account.
    const resources = rec.ofType("kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization").filter((k) => k.inputs.metadata.name.endsWith("-resources"));
    assert.deepEqual(resources.map((k) => k.inputs.spec.path).sort(), ["./clusters/edge/amsterdam-1/flux", "./clusters/eks-prod/flux", "./clusters/gke-prod/flux", "./clusters/platform/flux"]);
    const accounts = rec.ofType("kubernetes:core/v1:ServiceAccount").map((a) => a.inputs.metadata.name).filter((n: string) => n.startsWith("plinth-team-"));
    assert.deepEqual(accounts.sort(), ["team-1", "team-1", "team-1", "team-1", "team-2", "team-2", "team-2", "team-2"].map((t) => `plinth-team-${t}`));
    assert.deepEqual(types("plinth:promise:PromiseInstallation"), ["jenkins", "postgresql", "nginx-ingress", "redis", "namespace", "web-app"]);
    const placements = rec.ofType("plinth:index:Placement").map((r) => String(r.inputs.dir));
    assert.ok(placements.some((d) => d.startsWith("eks-prod/dependencies/jenkins/")), placements.join(","));
    assert.ok(!placements.some((d) => d.startsWith("platform/dependencies/jenkins/")), "the strict platform cluster gets no worker dependencies");
    const dests = out.destinations as { name: string; strictMatchLabels: boolean }[];
    assert.deepEqual(dests.map((d) => [d.name, d.strictMatchLabels]), [["platform", true], ["eks-prod", false], ["gke-prod", false], ["edge", false]]);
    assert.deepEqual(Object.keys(out.kubeconfigs as object).sort(), ["edge", "eks-prod", "gke-prod", "platform"]);
  });

  test("the program only reads Flux's CRDs: when the toolchain step has not built them it fails naming the command", async () => {
    const rec = recordResources({ state: cloudState });
    for (const [k, v] of Object.entries(settings.config)) pulumi.runtime.setConfig(k, JSON.stringify(v));
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "plinth-no-crds-"));
    const saved = process.env.PLINTH_FLUX_CRDS_DIR;
    process.env.PLINTH_FLUX_CRDS_DIR = empty;
    try {
      await assert.rejects(runProgram(() => platformProgram({ storeUrls: {}, fluxCrdDir: () => locateFluxCrds(REPO_ROOT) })()), /Flux's CRDs are not built .*run `npm run toolchain` once/);
    } finally {
      if (saved === undefined) delete process.env.PLINTH_FLUX_CRDS_DIR;
      else process.env.PLINTH_FLUX_CRDS_DIR = saved;
    }
    assert.equal(rec.ofType("plinth:flux:FluxBootstrap").length, 0, "no cluster was bootstrapped");
    assert.deepEqual(fs.readdirSync(empty), [], "nothing was built");
    fs.rmSync(empty, { recursive: true, force: true });
  });
});
