/**
 * An app team's own Pulumi program (stacks/app-team-example) through the stock Automation API and the
 * real Kubernetes provider plugin: it requests the Kratix `redis` example from Plinth's
 * Kubernetes-compatible API, waits for Ready, and exports the request's outputs; destroy deletes it.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { appTeamProgram } from "../../stacks/app-team-example/program";
import { kubeconfigFor } from "../../service/kube/kubeconfig";
import { ensureClusterBinaries } from "../../tools/cluster";
import { startTestPlatform, type TestPlatform } from "../support/platform";
import { createTestEngine, REPO_ROOT, type TestEngine } from "../support/pulumi";

const config = {
  stateStores: [{ name: "default", embedded: true }],
  destinations: [{ name: "dev", labels: { env: "dev" } }],
  promises: [{ name: "redis" }],
  teams: [{ name: "dev", namespaces: ["default"] }],
};

describe("an app team's Pulumi program consumes a request's outputs", () => {
  let t: TestPlatform;
  let engine: TestEngine;
  let pluginDir: string;

  before(async () => {
    const bins = await ensureClusterBinaries({ root: REPO_ROOT, log: (l) => void process.stderr.write(`# ${l}\n`), only: ["kubernetes-provider"] });
    pluginDir = path.dirname(bins["kubernetes-provider"]);
    t = await startTestPlatform();
    await t.platform.up(config);
    await t.platform.serve({ retryBaseMs: 50 });
    engine = await createTestEngine();
  });
  after(async () => {
    await t?.cleanup();
    await engine?.cleanup();
  });

  test("pulumi up: the CustomResource waits for Ready and its stack outputs are the request's outputs; destroy deletes it", async () => {
    const opts = await engine.stockOptions(path.join(engine.dir, "app-team"));
    opts.envVars = { ...opts.envVars, PATH: `${pluginDir}${path.delimiter}${opts.envVars!.PATH}` };
    const kubeconfig = kubeconfigFor({ server: t.platform.httpsUrl, caPem: t.platform.caPem, token: t.platform.devToken, team: "dev", namespace: "default" });
    const stack = await LocalWorkspace.createOrSelectStack({ stackName: "dev", projectName: "app-team-redis", program: appTeamProgram({ kubeconfig }) }, opts);
    const up = await stack.up();
    assert.equal(up.outputs.sentinel.value, "rfs-example.default.svc.cluster.local:26379");
    assert.equal(up.outputs.instanceName.value, "example");
    assert.equal(up.outputs.namespace.value, "default");
    const service = t.platform.service!;
    const key = { namespace: "default", kind: "redis", name: "example" };
    const caller = { team: "dev", namespaces: ["default"] };
    const stored = await service.get(key, { caller });
    assert.equal(stored.status.conditions.find((c) => c.type === "Ready")?.status, "True");
    assert.deepEqual(stored.status.outputs, { instanceName: "example", sentinel: "rfs-example.default.svc.cluster.local:26379" });
    // `pulumi stack output` reads the same values.
    assert.equal((await stack.outputs()).sentinel.value, "rfs-example.default.svc.cluster.local:26379");

    await stack.destroy();
    await service.idle();
    await assert.rejects(service.get(key, { caller }), (e: { status?: number }) => e.status === 404);
  });
});
