/**
 * Test harness for the real GitOps loop: a LocalCluster (etcd + kube-apiserver, later Flux's source and
 * kustomize controllers, all local processes on 127.0.0.1) in a temp dir, plus the directory holding the
 * Kubernetes provider plugin the platform stack's `@pulumi/kubernetes` resources need.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { clusterBinaryResolver, ensureClusterBinaries } from "../../tools/cluster";
import { LocalCluster } from "../../destinations/local-cluster/cluster";
import { REPO_ROOT } from "./pulumi";

export interface TestCluster {
  cluster: LocalCluster;
  /** Directory of `pulumi-resource-kubernetes`. */
  pluginDir: string;
  dir: string;
  /** Stops every process and removes the temp dir; returns the pids that were running. */
  stop(): Promise<number[]>;
}

export async function startTestCluster(): Promise<TestCluster> {
  const log = (l: string) => void process.stderr.write(`# ${l}\n`);
  const bins = await ensureClusterBinaries({ root: REPO_ROOT, log });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plinth-cluster-"));
  const cluster = await LocalCluster.start({ binaries: clusterBinaryResolver(REPO_ROOT), dir, name: "e2e", log });
  return {
    cluster,
    dir,
    pluginDir: path.dirname(bins["kubernetes-provider"]),
    async stop() {
      const pids = cluster.pids();
      await cluster.stop();
      fs.rmSync(dir, { recursive: true, force: true });
      return pids;
    },
  };
}

/** Polls `fn` until it returns a value other than undefined (or throws after `timeoutMs`, with `what`). */
export async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 120_000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
