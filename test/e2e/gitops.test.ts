/**
 * The real GitOps loop, end to end: a local kube-apiserver with Flux's source and kustomize controllers
 * (local processes built from Go modules) is the `local-cluster` destination `dev` of a local platform.
 * `pulumi up` bootstraps Flux on it through @pulumi/kubernetes (the Kubernetes provider plugin built here);
 * Flux pulls the embedded State Store over HTTP from the platform's `git http-backend`; each request's
 * objects appear in the cluster and its `Applied` condition follows Flux's own status.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { z } from "zod";
import { definePromise } from "../../components/promise";
import { kubeStatusSource, type KubeStatusSource } from "../../components/flux/kube-status";
import { configMapProbePromise } from "../../destinations/local-cluster/probe-promise";
import { nginxIngressPromise } from "../../promises/nginx-ingress";
import { startTestPlatform, treeOf, type TestPlatform } from "../support/platform";
import { eventually, startTestCluster, type TestCluster } from "../support/cluster";
import { startCutProxy } from "../support/cut-proxy";

/**
 * A Promise asking for Flux's health checks: a ConfigMap (kstatus Current as soon as it exists) or a
 * Deployment (never Available here: no kubelet, no controller-manager), so one request is healthy and one
 * fails its health check within the timeout.
 */
const healthProbePromise = definePromise({
  name: "health-probe",
  version: "0.1.0",
  api: { group: "plinth.dev", version: "v1alpha1", kind: "HealthProbe", plural: "healthprobes", spec: z.object({ workload: z.enum(["configmap", "deployment"]) }) },
  config: z.object({}),
  healthChecks: { timeout: "15s" },
  configure: ({ object }) => {
    const metadata = { name: object.metadata.name, namespace: object.metadata.namespace };
    const labels = { app: object.metadata.name };
    const obj =
      object.spec.workload === "configmap"
        ? { apiVersion: "v1", kind: "ConfigMap", metadata, data: { ok: "yes" } }
        : {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata,
            spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: "app", image: "nginx:1.27" }] } } },
          };
    return { files: { "workload.yaml": obj } };
  },
});

const config = {
  stateStores: [{ name: "default", embedded: true }],
  // Flux's own poll is 10 minutes: everything below happens within the 2-minute waits only because Plinth
  // asks Flux to reconcile after each commit and each removal.
  destinations: [{ name: "dev", kind: "local-cluster", labels: { env: "dev" }, flux: { interval: "10m" } }],
  promises: [{ name: "nginx-ingress", config: { serviceType: "ClusterIP" } }, { name: "configmap-probe" }, { name: "health-probe" }],
  teams: [{ name: "dev", namespaces: ["default"] }],
};

type Condition = { type: string; status: string; reason: string; message: string };
type Got = { metadata: { generation: number }; status: { observedGeneration: number; conditions: Condition[] } };

describe("GitOps end to end on a local cluster with Flux", { timeout: 900_000 }, () => {
  let c: TestCluster;
  let t: TestPlatform;
  const call = (method: string, p: string, body?: unknown) =>
    fetch(`${t.platform.url}${p}`, { method, headers: { authorization: `Bearer ${t.platform.devToken}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  const get = async (kind: string, name: string) => {
    const res = await call("GET", `/v1/requests/default/${kind}/${name}`);
    return res.status === 200 ? ((await res.json()) as Got) : undefined;
  };
  const applied = (g: Got | undefined) => g?.status.conditions.find((x) => x.type === "Applied");
  /** Waits until the request's current generation has a final Applied condition. */
  const appliedOf = (kind: string, name: string) =>
    eventually(`Applied on ${kind} ${name}`, async () => {
      const g = await get(kind, name);
      const a = applied(g);
      return g && g.status.observedGeneration === g.metadata.generation && a && a.status !== "Unknown" ? a : undefined;
    });
  const kube = () => c.cluster.client;

  before(async () => {
    c = await startTestCluster();
    t = await startTestPlatform({ catalogue: { "nginx-ingress": nginxIngressPromise, "configmap-probe": configMapProbePromise, "health-probe": healthProbePromise } });
    t.platform.attachCluster("dev", { kubeconfig: c.cluster.kubeconfig, client: c.cluster.client, pluginDir: c.pluginDir });
    await t.platform.up(config);
    await c.cluster.startFlux();
    await t.platform.serve({ retryBaseMs: 50 });
  });
  after(async () => {
    await t?.cleanup();
    const pids = (await c?.stop()) ?? [];
    for (const pid of pids) assert.throws(() => process.kill(pid, 0), /ESRCH/, `process ${pid} is gone`);
  });

  test("up bootstrapped Flux through @pulumi/kubernetes and Flux pulls the State Store", async () => {
    const repo = await eventually("GitRepository Ready", async () => {
      const r = await kube().get<{ spec: { url: string; secretRef: { name: string } }; status?: { conditions?: Condition[]; artifact?: { revision: string } } }>(
        "/apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/gitrepositories/plinth-state-store",
      );
      return r?.status?.artifact && r.status.conditions?.some((x) => x.type === "Ready" && x.status === "True") ? r : undefined;
    });
    assert.equal(repo.spec.url, t.platform.gitUrl("default"));
    assert.match(repo.status!.artifact!.revision, /^main@sha1:[0-9a-f]{40}$/);
    const secret = await kube().get<{ data: Record<string, string> }>("/api/v1/namespaces/flux-system/secrets/plinth-state-store-auth");
    assert.equal(Buffer.from(secret!.data.username, "base64").toString(), t.platform.fluxUser, "Flux clones as its read-only user");
    const ks = await kube().list<{ metadata: { name: string }; spec: { path: string } }>("/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations");
    const paths = Object.fromEntries(ks.map((k) => [k.metadata.name, k.spec.path]));
    assert.equal(paths["dev-dependencies"], "./dev/dependencies");
    assert.equal(paths["dev-resources"], "./dev/flux");
    // The controllers run outside the cluster as their ServiceAccounts: no Deployments were applied.
    assert.equal((await kube().list("/apis/apps/v1/namespaces/flux-system/deployments")).length, 0);
    assert.ok(await kube().get("/api/v1/namespaces/flux-system/serviceaccounts/kustomize-controller"));
  });

  test("a Promise's Dependencies exist in the cluster: HelmRepository and HelmRelease accepted by Flux's CRDs", async () => {
    const release = await eventually("HelmRelease ingress-nginx", () =>
      kube().get<{ spec: { chart: { spec: { chart: string; version: string } } } }>("/apis/helm.toolkit.fluxcd.io/v2/namespaces/ingress-nginx/helmreleases/ingress-nginx"),
    );
    assert.equal(release.spec.chart.spec.chart, "ingress-nginx");
    assert.equal(release.spec.chart.spec.version, "4.14.1");
    const repo = await kube().get<{ spec: { url: string } }>("/apis/source.toolkit.fluxcd.io/v1/namespaces/ingress-nginx/helmrepositories/ingress-nginx");
    assert.equal(repo?.spec.url, "https://kubernetes.github.io/ingress-nginx");
  });

  test("request → objects applied and Applied=True; update → changed; delete → pruned", async () => {
    const body = (port: number) => ({ apiVersion: "plinth.dev/v1alpha1", kind: "NginxIngress", metadata: { name: "shop" }, spec: { host: "shop.example.com", service: { port } } });
    assert.equal((await call("POST", "/v1/requests", body(80))).status, 202);
    const a1 = await appliedOf("NginxIngress", "shop");
    assert.equal(a1.status, "True", a1.message);
    // Isolated revisions: the request's Kustomization reads its own GitRepository, on its scope branch.
    assert.match(a1.message, /^dev: applied plinth\/dev\/resources\/default\/nginx-ingress\/shop@sha1:[0-9a-f]{40}$/);
    const src = await kube().get<{ spec: { ref: { branch: string }; sparseCheckout: string[] } }>("/apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/gitrepositories/dev-default-nginx-ingress-shop");
    assert.deepEqual(src?.spec.ref, { branch: "plinth/dev/resources/default/nginx-ingress/shop" });
    assert.deepEqual(src?.spec.sparseCheckout, ["dev/resources/default/nginx-ingress/shop"]);
    const svc = await kube().get<{ spec: { ports: { port: number }[] }; metadata: { labels: Record<string, string> } }>("/api/v1/namespaces/default/services/shop");
    assert.equal(svc?.spec.ports[0].port, 80);
    assert.equal(svc?.metadata.labels["kustomize.toolkit.fluxcd.io/name"], "dev-default-nginx-ingress-shop", "applied by the request's own Kustomization");
    const ing = await kube().get<{ spec: { rules: { host: string }[] } }>("/apis/networking.k8s.io/v1/namespaces/default/ingresses/shop");
    assert.equal(ing?.spec.rules[0].host, "shop.example.com");

    assert.equal((await call("PUT", "/v1/requests/default/NginxIngress/shop", body(8081))).status < 300, true);
    const a2 = await appliedOf("NginxIngress", "shop");
    assert.equal(a2.status, "True", a2.message);
    assert.notEqual(a2.message, a1.message, "a newer revision was applied");
    const svc2 = await kube().get<{ spec: { ports: { port: number }[] } }>("/api/v1/namespaces/default/services/shop");
    assert.equal(svc2?.spec.ports[0].port, 8081);

    assert.equal((await call("DELETE", "/v1/requests/default/NginxIngress/shop")).status, 202);
    await eventually("Service shop pruned", async () => ((await kube().get("/api/v1/namespaces/default/services/shop")) === undefined ? true : undefined));
    await eventually("Ingress shop pruned", async () => ((await kube().get("/apis/networking.k8s.io/v1/namespaces/default/ingresses/shop")) === undefined ? true : undefined));
    await eventually("Kustomization removed", async () =>
      (await kube().get("/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/dev-default-nginx-ingress-shop")) === undefined ? true : undefined,
    );
    await eventually("its GitRepository removed", async () =>
      (await kube().get("/apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/gitrepositories/dev-default-nginx-ingress-shop")) === undefined ? true : undefined,
    );
  });

  test("the service follows Flux through client-node's watch: Applied=True arrives as watch events", async () => {
    const source = t.platform.service!.applied!.sources()[0] as KubeStatusSource;
    assert.equal(typeof source.stats, "function", "the local cluster is read through the client-node source");
    const before = source.stats();
    assert.equal((await call("POST", "/v1/requests", { apiVersion: "plinth.dev/v1alpha1", kind: "ConfigMapProbe", metadata: { name: "watched" }, spec: { value: "w" } })).status, 202);
    const a = await appliedOf("ConfigMapProbe", "watched");
    assert.equal(a.status, "True", a.message);
    const after = source.stats();
    assert.ok(after.events > before.events, `watch events arrived (${before.events} → ${after.events})`);
    assert.equal(after.lists, 1, "one list, then the watch resumed from its resourceVersion");
  });

  test("health checks: a Promise asking for them gets Healthy=True for a ConfigMap and Healthy=False for a Deployment not ready, True once it is", async () => {
    const probe = (name: string, workload: string) => ({ apiVersion: "plinth.dev/v1alpha1", kind: "HealthProbe", metadata: { name }, spec: { workload } });
    assert.equal((await call("POST", "/v1/requests", probe("calm", "configmap"))).status, 202);
    assert.equal((await call("POST", "/v1/requests", probe("stuck", "deployment"))).status, 202);
    const ks = await eventually("the request's Kustomization waits", () =>
      kube().get<{ spec: { wait?: boolean; timeout?: string } }>("/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/dev-default-health-probe-calm"),
    );
    assert.equal(ks.spec.wait, true);
    assert.equal(ks.spec.timeout, "15s");
    const healthyOf = (name: string) =>
      eventually(`Healthy on ${name}`, async () => {
        const g = await get("HealthProbe", name);
        const h = g?.status.conditions.find((x) => x.type === "Healthy");
        return h && h.status !== "Unknown" && applied(g)?.status !== "Unknown" ? { h, a: applied(g)! } : undefined;
      });
    const calm = await healthyOf("calm");
    assert.equal(calm.h.status, "True", calm.h.message);
    assert.equal(calm.a.status, "True", calm.a.message);
    const stuck = await healthyOf("stuck");
    assert.equal(stuck.h.status, "False", stuck.h.message);
    assert.equal(stuck.h.reason, "HealthCheckFailed");
    assert.match(stuck.h.message, /^dev: .*Deployment\/default\/stuck/s, stuck.h.message);
    assert.equal(stuck.a.status, "True", "the objects were applied; only their health failed");
    const deployment = await kube().get<{ metadata: { generation: number } }>("/apis/apps/v1/namespaces/default/deployments/stuck");
    assert.ok(deployment);
    // Later the Deployment becomes available (its status written as kube-controller-manager would): Flux's
    // retry re-runs the check, and Healthy follows it though Applied settled before.
    const now = new Date().toISOString();
    await kube().mergePatch("/apis/apps/v1/namespaces/default/deployments/stuck/status", {
      status: {
        observedGeneration: deployment.metadata.generation,
        replicas: 1,
        updatedReplicas: 1,
        readyReplicas: 1,
        availableReplicas: 1,
        conditions: [
          { type: "Available", status: "True", reason: "MinimumReplicasAvailable", message: "Deployment has minimum availability.", lastUpdateTime: now, lastTransitionTime: now },
          { type: "Progressing", status: "True", reason: "NewReplicaSetAvailable", message: "ReplicaSet has successfully progressed.", lastUpdateTime: now, lastTransitionTime: now },
        ],
      },
    });
    const recovered = await eventually("Healthy=True on stuck after its Deployment became available", async () => {
      const g = await get("HealthProbe", "stuck");
      const h = g?.status.conditions.find((x) => x.type === "Healthy");
      return h?.status === "True" ? { h, a: applied(g)! } : undefined;
    });
    assert.match(recovered.h.message, /^dev: /);
    assert.equal(recovered.a.status, "True");
    // A Promise without health checks gets no Healthy condition.
    const plain = await get("ConfigMapProbe", "watched");
    assert.equal(plain?.status.conditions.find((x) => x.type === "Healthy"), undefined);
  });

  test("the watch survives dropped connections and server-side ends: it resumes and changes keep arriving", async () => {
    const port = Number(new URL(c.cluster.server).port);
    const proxy = await startCutProxy(port);
    const kubeconfig = c.cluster.kubeconfig.replace(`127.0.0.1:${port}`, `127.0.0.1:${new URL(proxy.origin).port}`);
    assert.notEqual(kubeconfig, c.cluster.kubeconfig);
    const source = kubeStatusSource({ destination: "dev", kubeconfig, isolated: true, watchTimeoutSeconds: 2 });
    const seen = new Set<string>();
    const stop = source.watch((name) => name && seen.add(name));
    try {
      const send = (name: string) => call("POST", "/v1/requests", { apiVersion: "plinth.dev/v1alpha1", kind: "ConfigMapProbe", metadata: { name }, spec: { value: name } });
      assert.equal((await send("before-cut")).status, 202);
      await eventually("watch event for before-cut", async () => (seen.has("dev-default-configmap-probe-before-cut") ? true : undefined));
      proxy.set("reset"); // every open connection dropped, new ones refused
      await new Promise((r) => setTimeout(r, 1500));
      proxy.set("up");
      assert.equal((await send("after-cut")).status, 202);
      await eventually("watch event for after-cut", async () => (seen.has("dev-default-configmap-probe-after-cut") ? true : undefined));
      const s = source.stats();
      assert.ok(s.restarts >= 1, `the watch was restarted (${JSON.stringify(s)})`);
      assert.equal(s.lists, 1, "resumed from its resourceVersion, no re-list");
      assert.ok(proxy.counts.reset >= 1, "a reconnect was refused while the proxy was down");
      const k = await source.readKustomization("dev-default-configmap-probe-after-cut");
      assert.ok(k, "reads work after the reconnect");
    } finally {
      stop();
      source.close();
      await proxy.close();
    }
  });

  test("a malformed manifest is Applied=False with Flux's message; the destination's other requests keep being applied", async () => {
    const settings = (name: string, spec: Record<string, unknown>) => ({ apiVersion: "plinth.dev/v1alpha1", kind: "ConfigMapProbe", metadata: { name }, spec });
    assert.equal((await call("POST", "/v1/requests", settings("broken", { malformed: true }))).status, 202);
    // The placement dir id of "applied-19" is 67656: the index files must keep it a string for kustomize.
    assert.equal((await call("POST", "/v1/requests", settings("applied-19", { value: "hello" }))).status, 202);
    const bad = await appliedOf("ConfigMapProbe", "broken");
    assert.equal(bad.status, "False");
    assert.match(bad.message, /^dev: .*ConfigMap\/default\/broken/s, bad.message);
    const good = await appliedOf("ConfigMapProbe", "applied-19");
    assert.equal(good.status, "True", good.message);
    const cm = await kube().get<{ data: Record<string, string> }>("/api/v1/namespaces/default/configmaps/applied-19");
    assert.deepEqual(cm?.data, { value: "hello" });
    assert.equal(await kube().get("/api/v1/namespaces/default/configmaps/broken"), undefined);
    // The workflow's files were written all the same: the failure is the cluster's, reported as such.
    const g = await get("ConfigMapProbe", "broken");
    assert.equal(g?.status.conditions.find((x) => x.type === "ResourcesWritten")?.status, "True");

    // Fixing the request clears it.
    assert.equal((await call("PUT", "/v1/requests/default/ConfigMapProbe/broken", settings("broken", { value: "fixed" }))).status < 300, true);
    const fixed = await appliedOf("ConfigMapProbe", "broken");
    assert.equal(fixed.status, "True", fixed.message);
    const cm2 = await kube().get<{ data: Record<string, string> }>("/api/v1/namespaces/default/configmaps/broken");
    assert.deepEqual(cm2?.data, { value: "fixed" });
  });

  test("tenancy lockdown: a hand edit moving a team's object into kube-system is refused by the API server when Flux applies it as the team", async () => {
    const name = "tenant-probe";
    const body = { apiVersion: "plinth.dev/v1alpha1", kind: "ConfigMapProbe", metadata: { name }, spec: { value: "mine" } };
    assert.equal((await call("POST", "/v1/requests", body)).status, 202);
    assert.equal((await appliedOf("ConfigMapProbe", name)).status, "True");
    const ksPath = `/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/dev-default-configmap-probe-${name}`;
    const ks = await kube().get<{ spec: { serviceAccountName?: string } }>(ksPath);
    assert.equal(ks?.spec.serviceAccountName, "plinth-team-dev", "the request's Kustomization runs as its team");
    assert.ok(await kube().get("/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings/plinth-team-dev"));
    assert.equal(await kube().get("/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/rolebindings/plinth-team-dev"), undefined);

    // A hand edit pushed straight to the State Store, on the store's branch and on the request's scope
    // branch that Flux follows for it (isolated revisions; forced: that branch holds a scope commit, not a
    // commit of main): the object now claims kube-system.
    const git = promisify(execFile);
    const clone = await t.clone();
    const file = treeOf(clone).find((f) => f.startsWith(`dev/resources/default/configmap-probe/${name}/`) && !f.endsWith("kustomization.yaml"))!;
    const abs = path.join(clone, file);
    const edited = fs.readFileSync(abs, "utf8").replace(/namespace: default/, "namespace: kube-system");
    assert.match(edited, /namespace: kube-system/);
    fs.writeFileSync(abs, edited);
    const env = { ...process.env, GIT_TERMINAL_PROMPT: "0" };
    await git("git", ["-c", "user.name=intruder", "-c", "user.email=intruder@example.com", "commit", "-qam", "move into kube-system"], { cwd: clone, env });
    await git("git", ["push", "-q", "origin", "HEAD:main", `+HEAD:refs/heads/plinth/dev/resources/default/configmap-probe/${name}`], { cwd: clone, env });
    t.platform.service!.applied!.nudge(["dev"], { namespace: "default", promise: "configmap-probe", name });

    const failed = await eventually("the team's Kustomization refused", async () => {
      const k = await kube().get<{ status?: { conditions?: Condition[] } }>(ksPath);
      const ready = k?.status?.conditions?.find((x) => x.type === "Ready");
      return ready?.status === "False" && /forbidden/i.test(ready.message) ? ready : undefined;
    });
    assert.match(failed.message, /kube-system/, failed.message);
    assert.match(failed.message, /plinth-team-dev/, failed.message);
    assert.equal(await kube().get(`/api/v1/namespaces/kube-system/configmaps/${name}`), undefined, "nothing reached kube-system");

    // Reconciling the request restores its files (drift repair), and Flux applies them again as the team.
    assert.equal((await call("POST", `/v1/requests/default/ConfigMapProbe/${name}/reconcile`)).status, 202);
    await eventually("the team's Kustomization Ready again", async () => {
      const k = await kube().get<{ status?: { conditions?: Condition[] } }>(ksPath);
      return k?.status?.conditions?.some((x) => x.type === "Ready" && x.status === "True") ? true : undefined;
    });
  });
});
