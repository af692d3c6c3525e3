/**
 * The client-node source over the kubeconfigs the EKS, GKE and on-prem (k3s) destination stacks produce,
 * built under the recording mocks: the KubeConfig carries the exec plugin (command, args) or the client
 * certificate, and authenticating a request runs the plugin (a fake `aws` / `gke-gcloud-auth-plugin` on
 * PATH here: no cloud is called) or presents the certificate. Remote destinations follow each request's
 * own Kustomization (remote-sources.test.ts).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import type * as https from "node:https";
import * as os from "node:os";
import * as path from "node:path";
import { recordResources, runProgram } from "../../support/mocks";
import { buildTopology } from "../../../destinations";
import { kubeConfigOf, kubeStatusSource } from "../../../components/flux/kube-status";
import { kustomizationState } from "../../../components/flux/status-source";
import { clusterSources } from "../../../stacks/local-platform/cluster-sources";
import { fluxCrds } from "./crds";
import { cloudState, FAKE_CLIENT_KEY_B64 } from "../destinations/cloud-state";

recordResources({ state: cloudState });
const config = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "fixtures", "easyeaty.config.json"), "utf8"));

describe("client-node sources from the destination stacks' kubeconfigs", () => {
  let kubeconfigs: Record<string, string>;
  let bin: string;
  const oldPath = process.env.PATH;
  const calls = () => fs.readFileSync(path.join(bin, "calls.log"), "utf8").trim().split("\n");

  before(async () => {
    const crds = await fluxCrds();
    const out = await runProgram(() => ({ kubeconfigs: buildTopology(config, { fluxCrds: crds }).kubeconfigs }));
    kubeconfigs = out.kubeconfigs as Record<string, string>;
    bin = fs.mkdtempSync(path.join(os.tmpdir(), "plinth-exec-"));
    for (const [cmd, token] of [["aws", "eks-token"], ["gke-gcloud-auth-plugin", "gke-token"]]) {
      const script = `#!/bin/sh\necho "${cmd} $*" >> "${bin}/calls.log"\necho '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"${token}"}}'\n`;
      fs.writeFileSync(path.join(bin, cmd), script, { mode: 0o755 });
    }
    process.env.PATH = `${bin}:${oldPath}`;
  });
  after(() => {
    process.env.PATH = oldPath;
    fs.rmSync(bin, { recursive: true, force: true });
  });

  test("EKS: the aws eks get-token exec plugin, run when a request is authenticated", async () => {
    const kc = await kubeConfigOf(kubeconfigs["eks-prod"], "eks-prod");
    const exec = kc.getCurrentUser()!.exec as { command: string; args: string[]; apiVersion: string };
    assert.equal(exec.command, "aws");
    assert.deepEqual(exec.args.slice(0, 3), ["eks", "get-token", "--cluster-name"]);
    assert.ok(exec.args.includes("--region"));
    assert.match(kc.getCurrentCluster()!.server, /^https:\/\//);
    const opts: https.RequestOptions = {};
    await kc.applyToHTTPSOptions(opts);
    assert.equal((opts.headers as Record<string, string>).Authorization, "Bearer eks-token");
    assert.match(calls().at(-1)!, /^aws eks get-token --cluster-name \S+ --region \S+ --output json$/);
  });

  test("GKE: the gke-gcloud-auth-plugin exec plugin", async () => {
    const kc = await kubeConfigOf(kubeconfigs["gke-prod"], "gke-prod");
    const exec = kc.getCurrentUser()!.exec as { command: string; provideClusterInfo: boolean };
    assert.equal(exec.command, "gke-gcloud-auth-plugin");
    assert.equal(exec.provideClusterInfo, true);
    const opts: https.RequestOptions = {};
    await kc.applyToHTTPSOptions(opts);
    assert.equal((opts.headers as Record<string, string>).Authorization, "Bearer gke-token");
    assert.match(calls().at(-1)!, /^gke-gcloud-auth-plugin/);
  });

  test("k3s (on-prem): the client certificate and key, no token", async () => {
    const kc = await kubeConfigOf(kubeconfigs.edge, "edge");
    const user = kc.getCurrentUser()!;
    assert.equal(user.exec, undefined);
    assert.equal(user.keyData, FAKE_CLIENT_KEY_B64);
    const opts: https.RequestOptions = {};
    await kc.applyToHTTPSOptions(opts);
    assert.match(String(opts.key), /BEGIN EC PRIVATE KEY/);
    assert.match(String(opts.cert), /BEGIN CERTIFICATE/);
    assert.equal((opts.headers as Record<string, string> | undefined)?.Authorization, undefined);
  });

  test("the composition root builds a source per remote destination, following each request's Kustomization", () => {
    const sources = clusterSources({ destinations: [], localClusters: new Map(), outputs: { kubeconfigs } });
    assert.deepEqual(sources.map((s) => s.destination).sort(), ["edge", "eks-prod", "gke-prod", "platform"]);
    const eks = sources.find((s) => s.destination === "eks-prod")!;
    assert.equal(eks.kustomizationName({ namespace: "default", promise: "redis", name: "cache" }), "eks-prod-default-redis-cache");
    for (const s of sources) s.close();
  });

  test("a bad kubeconfig is a clear error that does not echo it", async () => {
    const secret = "users: [{name: u, user: {token: s3cr3t-value}}]\n";
    await assert.rejects(kubeConfigOf(secret, "eks-prod"), (err: Error & { code?: string }) => {
      assert.equal(err.code, "InvalidKubeconfig");
      assert.match(err.message, /destination eks-prod: the kubeconfig has no current context/);
      assert.doesNotMatch(err.message, /s3cr3t/);
      return true;
    });
    const src = kubeStatusSource({ destination: "x", kubeconfig: "::: not yaml" });
    await assert.rejects(src.readKustomization("x-resources"), (err: Error & { code?: string }) => err.code === "InvalidKubeconfig");
  });

  test("kstatus of a Kustomization: Healthy only where it runs health checks", () => {
    const cond = (type: string, status: string, reason: string, message = "") => ({ type, status, reason, message });
    assert.equal(kustomizationState({ status: { conditions: [cond("Ready", "True", "ReconciliationSucceeded")] } }).health, undefined);
    const ok = kustomizationState({ spec: { wait: true }, status: { conditions: [cond("Ready", "True", "ReconciliationSucceeded"), cond("Healthy", "True", "Succeeded", "all healthy")] } });
    assert.deepEqual(ok.health, { status: "True", reason: "Succeeded", message: "all healthy" });
    const bad = kustomizationState({ spec: { wait: true }, status: { conditions: [cond("Ready", "False", "HealthCheckFailed", "timeout waiting for: [Deployment/default/x status: 'InProgress']")] } });
    assert.equal(bad.health?.status, "False");
    assert.match(bad.health!.message, /Deployment\/default\/x/);
    const checking = kustomizationState({ spec: { healthChecks: [{ kind: "Deployment", name: "x" }] }, status: { conditions: [cond("Ready", "Unknown", "Progressing")] } });
    assert.equal(checking.health?.status, "Unknown");
  });
});
