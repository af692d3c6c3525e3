/**
 * PlinthService applied by `pulumi up` (stock Automation API, the real Kubernetes provider plugin) to the
 * local kube-apiserver: the API server validates and stores every object (Namespace, ServiceAccount,
 * Secrets, Deployment, PodDisruptionBudget, Service, Ingress). There is no kubelet, so no Pod runs
 * (`skipAwait`); what is checked is what the cluster accepted and stores. `destroy` removes it all.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { LocalWorkspace, type Stack } from "@pulumi/pulumi/automation";
import { PlinthService } from "../../components/service";
import { startTestCluster, type TestCluster } from "../support/cluster";
import { createTestEngine, type TestEngine } from "../support/pulumi";

const DB_URL = "postgres://plinth:e2e-db-password@db.plinth.svc:5432/plinth";
const TOKEN = "e2e-team-token-0123456789";

type Obj = { metadata: { name: string; annotations?: Record<string, string> }; spec: any; data?: Record<string, string>; [k: string]: any };

describe("PlinthService on a real kube-apiserver", { timeout: 600_000 }, () => {
  let c: TestCluster;
  let engine: TestEngine;
  let stack: Stack;

  before(async () => {
    c = await startTestCluster();
    engine = await createTestEngine();
    const opts = await engine.stockOptions(path.join(engine.dir, "plinth-service"));
    opts.envVars = { ...opts.envVars, PATH: `${c.pluginDir}${path.delimiter}${opts.envVars!.PATH}` };
    const kubeconfig = c.cluster.kubeconfig;
    const program = async () => {
      const provider = new k8s.Provider("platform-cluster", { kubeconfig, enableServerSideApply: true });
      const svc = new PlinthService(
        "plinth",
        {
          image: "registry.example/plinth:e2e",
          replicas: 3,
          host: "plinth.e2e.example",
          ingressClassName: "nginx",
          tlsSecretName: "plinth-tls",
          databaseUrl: pulumi.secret(DB_URL),
          teams: [{ name: "team-1", namespaces: ["team-1"], token: pulumi.secret(TOKEN) as unknown as string }],
          secretEnv: { PULUMI_CONFIG_PASSPHRASE: pulumi.secret("e2e-passphrase") },
          skipAwait: true,
        },
        { providers: [provider] },
      );
      return { url: svc.url };
    };
    stack = await LocalWorkspace.createOrSelectStack({ stackName: "e2e", projectName: "plinth-service-e2e", program }, opts);
  });
  after(async () => {
    await engine?.cleanup();
    await c?.stop();
  });

  test("pulumi up: the API server accepts every object; Secrets hold the values, the Deployment only references them", async () => {
    const up = await stack.up();
    assert.equal(up.outputs.url.value, "https://plinth.e2e.example");
    const kube = c.cluster.client;
    const ns = await kube.get<Obj>("/api/v1/namespaces/plinth");
    assert.ok(ns, "namespace plinth");
    const d = (await kube.get<Obj>("/apis/apps/v1/namespaces/plinth/deployments/plinth"))!;
    assert.equal(d.spec.replicas, 3);
    const pod = d.spec.template.spec;
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(pod.topologySpreadConstraints[0].topologyKey, "kubernetes.io/hostname");
    assert.equal(pod.containers[0].readinessProbe.httpGet.path, "/readyz");
    assert.equal(pod.containers[0].livenessProbe.httpGet.path, "/healthz");
    const stored = JSON.stringify(d);
    assert.ok(!stored.includes("e2e-db-password") && !stored.includes(TOKEN) && !stored.includes("e2e-passphrase"), "no secret in the stored Deployment");
    const env = Object.fromEntries(pod.containers[0].env.map((e: { name: string }) => [e.name, e]));
    assert.deepEqual(env.PLINTH_DATABASE_URL.valueFrom.secretKeyRef, { name: "plinth-database", key: "url" });

    const secret = async (n: string, key: string) => Buffer.from((await kube.get<Obj>(`/api/v1/namespaces/plinth/secrets/${n}`))!.data![key], "base64").toString();
    assert.equal(await secret("plinth-database", "url"), DB_URL);
    assert.deepEqual(JSON.parse(await secret("plinth-teams", "teams.json")), [{ name: "team-1", namespaces: ["team-1"], token: TOKEN }]);
    assert.equal(await secret("plinth-env", "PULUMI_CONFIG_PASSPHRASE"), "e2e-passphrase");

    const pdb = (await kube.get<Obj>("/apis/policy/v1/namespaces/plinth/poddisruptionbudgets/plinth"))!;
    assert.equal(pdb.spec.minAvailable, 2);
    const svc = (await kube.get<Obj>("/api/v1/namespaces/plinth/services/plinth"))!;
    assert.match(svc.spec.clusterIP, /^\d+\.\d+\.\d+\.\d+$/, "the API server allocated a cluster IP");
    const ing = (await kube.get<Obj>("/apis/networking.k8s.io/v1/namespaces/plinth/ingresses/plinth"))!;
    assert.equal(ing.spec.rules[0].host, "plinth.e2e.example");
    assert.ok(await kube.get("/api/v1/namespaces/plinth/serviceaccounts/plinth"));

    // Pulumi's state holds the secret values only encrypted.
    const state = JSON.stringify(await stack.exportStack());
    assert.ok(!state.includes("e2e-db-password") && !state.includes(TOKEN) && !state.includes("e2e-passphrase"), "no secret in plaintext in the stack state");

    // A second up changes nothing.
    const again = await stack.up();
    assert.equal(again.summary.resourceChanges?.update ?? 0, 0);
    assert.equal(again.summary.resourceChanges?.create ?? 0, 0);
  });

  test("pulumi destroy removes the objects", async () => {
    await stack.destroy();
    const kube = c.cluster.client;
    assert.equal(await kube.get("/apis/apps/v1/namespaces/plinth/deployments/plinth"), undefined);
    assert.equal(await kube.get("/api/v1/namespaces/plinth/secrets/plinth-database"), undefined);
    assert.equal(await kube.get("/apis/networking.k8s.io/v1/namespaces/plinth/ingresses/plinth"), undefined);
    // No namespace controller here: a deleted Namespace stays Terminating.
    const ns = await kube.get<{ metadata: { deletionTimestamp?: string } }>("/api/v1/namespaces/plinth");
    assert.ok(ns === undefined || ns.metadata.deletionTimestamp, "the namespace is deleted");
  });
});
