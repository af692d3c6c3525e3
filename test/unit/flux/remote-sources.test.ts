/**
 * Remote cluster destinations (EKS, GKE, on-prem, the platform cluster) follow each request's own Flux
 * Kustomization, as local clusters do: the composition root's sources over the kubeconfigs the destination
 * stacks output (built under the recording mocks), pointed at a scripted API server on 127.0.0.1 (real
 * HTTP, a chunked watch stream). EKS and GKE authenticate through their exec plugins (fakes on PATH), and
 * the tracker turns the request's Kustomization into `Applied` and `Healthy`.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { parse, stringify } from "yaml";
import { recordResources, runProgram } from "../../support/mocks";
import { buildTopology } from "../../../destinations";
import { fluxShardOf, requestKustomizationName } from "../../../components/state-store/flux-index";
import { clusterSources } from "../../../stacks/local-platform/cluster-sources";
import { AppliedTracker } from "../../../service/core/applied";
import type { Condition } from "../../../service/core/types";
import { fluxCrds } from "./crds";
import { cloudState } from "../destinations/cloud-state";

recordResources({ state: cloudState });
const config = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "fixtures", "easyeaty.config.json"), "utf8"));
const COMMIT = "c".repeat(40);
const request = { namespace: "team-1", promise: "web-app", name: "shop" };
const name = requestKustomizationName("eks-prod", request);

describe("remote cluster sources follow per-request Kustomizations", () => {
  let server: http.Server;
  let bin: string;
  const oldPath = process.env.PATH;
  let kubeconfigs: Record<string, string>;
  const patched: string[] = [];
  const auth = new Set<string>();
  const watchQueries: URLSearchParams[] = [];
  let sendToWatch: ((type: string, object: unknown) => void) | undefined;

  before(async () => {
    const crds = await fluxCrds();
    const out = await runProgram(() => ({ kubeconfigs: buildTopology(config, { fluxCrds: crds }).kubeconfigs }));
    // A fake `aws eks get-token` and `gke-gcloud-auth-plugin` (no cloud is called).
    bin = fs.mkdtempSync(path.join(os.tmpdir(), "plinth-remote-"));
    for (const [cmd, token] of [["aws", "eks-token"], ["gke-gcloud-auth-plugin", "gke-token"]]) {
      fs.writeFileSync(path.join(bin, cmd), `#!/bin/sh\necho '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"${token}"}}'\n`, { mode: 0o755 });
    }
    process.env.PATH = `${bin}:${oldPath}`;

    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      auth.add(String(req.headers.authorization));
      const json = (code: number, body: unknown) => res.writeHead(code, { "content-type": "application/json" }).end(JSON.stringify(body));
      if (req.method === "PATCH" && url.pathname.startsWith("/apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/gitrepositories/")) {
        patched.push(decodeURIComponent(url.pathname.split("/").pop()!));
        req.resume();
        return json(200, {});
      }
      if (url.pathname !== "/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations") return json(404, { kind: "Status", code: 404 });
      if (url.searchParams.get("watch") !== "true") return json(200, { kind: "KustomizationList", metadata: { resourceVersion: "10" }, items: [] });
      watchQueries.push(url.searchParams);
      res.writeHead(200, { "content-type": "application/json" });
      sendToWatch = (type, object) => res.write(JSON.stringify({ type, object }) + "\n");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    // Each stack's kubeconfig as it is (exec plugin, client certificate), its server moved to the scripted one.
    kubeconfigs = Object.fromEntries(
      Object.entries(out.kubeconfigs as Record<string, string>).map(([d, text]) => {
        const kc = parse(text);
        kc.clusters[0].cluster = { server: `http://127.0.0.1:${port}`, "insecure-skip-tls-verify": true };
        return [d, stringify(kc)];
      }),
    );
  });
  after(() => {
    process.env.PATH = oldPath;
    fs.rmSync(bin, { recursive: true, force: true });
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });

  it("every remote kind names the request's own Kustomization; isolated ones nudge the request's own source", async () => {
    const clusters = [
      { name: "eks-prod", flux: { isolated: true } },
      { name: "gke-prod", flux: { isolated: false } },
    ];
    const sources = clusterSources({ destinations: [], clusters, localClusters: new Map(), outputs: { kubeconfigs } });
    try {
      assert.deepEqual(sources.map((s) => s.destination).sort(), ["edge", "eks-prod", "gke-prod", "platform"]);
      for (const s of sources) assert.equal(s.kustomizationName(request), requestKustomizationName(s.destination, request), s.destination);
      patched.length = 0;
      await sources.find((s) => s.destination === "eks-prod")!.requestReconcile(request);
      assert.deepEqual(patched.sort(), ["eks-prod-dependencies", `eks-prod-flux-${fluxShardOf(request)}`, name].sort());
      assert.ok(auth.has("Bearer eks-token"), "authenticated through the kubeconfig's exec plugin");
      patched.length = 0;
      await sources.find((s) => s.destination === "gke-prod")!.requestReconcile(request);
      assert.deepEqual(patched, ["plinth-state-store"], "flux.isolated: false: the one shared source");
      assert.ok(auth.has("Bearer gke-token"), "authenticated through gke-gcloud-auth-plugin");
      patched.length = 0;
      await sources.find((s) => s.destination === "edge")!.requestReconcile(request);
      assert.equal(patched.length, 3, "isolated by default (no flux settings given)");
    } finally {
      for (const s of sources) s.close();
    }
  });

  it("the request's Kustomization, seen through the watch, becomes Applied and Healthy", async () => {
    const [eks] = clusterSources({ destinations: [], localClusters: new Map(), outputs: { kubeconfigs: { "eks-prod": kubeconfigs["eks-prod"] } } });
    const conditions: Condition[][] = [];
    let current: Condition[] = [];
    const tracker = new AppliedTracker({
      sources: [eks],
      contains: async (_d, commit, ancestor) => commit === ancestor,
      update: (_s, change) => conditions.push((current = change(current))),
      fallbackMs: 3_600_000,
    });
    const cond = (type: string) => current.find((c) => c.type === type);
    try {
      tracker.track("team-1/shop", request, [{ destination: "eks-prod", commit: COMMIT }]);
      for (let i = 0; i < 200 && !sendToWatch; i++) await new Promise((r) => setTimeout(r, 25));
      assert.ok(sendToWatch, "the source watches the destination's Kustomizations");
      assert.equal(watchQueries.at(-1)!.get("labelSelector"), "plinth.dev/destination=eks-prod");
      assert.equal(cond("Applied")?.status, "Unknown");
      sendToWatch!("ADDED", {
        metadata: { name, namespace: "flux-system", resourceVersion: "11" },
        spec: { wait: true },
        status: {
          conditions: [
            { type: "Ready", status: "True", reason: "ReconciliationSucceeded", message: `Applied revision: main@sha1:${COMMIT}` },
            { type: "Healthy", status: "True", reason: "Succeeded", message: "Health check passed" },
          ],
          lastAppliedRevision: `main@sha1:${COMMIT}`,
          lastAttemptedRevision: `main@sha1:${COMMIT}`,
        },
      });
      for (let i = 0; i < 200 && cond("Applied")?.status !== "True"; i++) await new Promise((r) => setTimeout(r, 25));
      assert.equal(cond("Applied")?.status, "True");
      assert.equal(cond("Applied")?.message, `eks-prod: applied main@sha1:${COMMIT}`);
      assert.equal(cond("Healthy")?.status, "True");
      assert.equal(cond("Healthy")?.message, "eks-prod: Health check passed");
    } finally {
      tracker.close();
      eks.close();
    }
  });
});
