/**
 * request_to_applied_ms: the whole GitOps loop on a real local cluster. A LocalPlatform with a
 * `local-cluster` destination (kube-apiserver + Flux's source- and kustomize-controllers as local
 * processes, Flux's own poll at 10 minutes so only Plinth's nudge counts), the `ConfigMapProbe`
 * promise (destinations/local-cluster/probe-promise.ts: one ConfigMap per request), and `n` requests made one at a time over HTTP.
 *
 * Each request is timed from just before its POST until a GET (every 50 ms) shows `Applied=True` for
 * its current generation; the ConfigMap is then read from the API server (not timed) and must hold the
 * request's value. The split: POST → the commit holding the request's files is pushed (commit probe on
 * the platform's GitWriter; also `ResourcesWritten=True` as first seen by the poll) and push → Applied.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalCluster } from "../../destinations/local-cluster/cluster";
import { LocalPlatform } from "../../stacks/local-platform/local-platform";
import { clusterBinaryResolver, ensureClusterBinaries } from "../cluster";
import { ensureToolchain } from "../pulumi/ensure";
import { configMapProbePromise, PROBE_API_VERSION, PROBE_KIND } from "../../destinations/local-cluster/probe-promise";
import { commitProbe } from "./probes";
import { nowMs, percentile, round } from "./stats";

export const APPLIED_KIND = PROBE_KIND;
const API_VERSION = PROBE_API_VERSION;

/** Platform config: embedded store, one local-cluster destination whose Flux polls only every 10 minutes. */
export function appliedConfig(isolated = process.env[APPLIED_ISOLATED_ENV] !== "0") {
  return {
    stateStores: [{ name: "default", embedded: true }],
    destinations: [{ name: "dev", kind: "local-cluster", labels: { env: "dev" }, flux: { interval: "10m", isolated } }],
    promises: [{ name: "configmap-probe" }],
    teams: [{ name: "dev", namespaces: ["default"] }],
  };
}
/** `0`: the destination's Flux reads one shared source (every request reconciled on every commit), for comparison. */
export const APPLIED_ISOLATED_ENV = "PLINTH_BENCH_FLUX_ISOLATED";

type Condition = { type: string; status: string; reason: string; message: string };
interface Got {
  metadata: { generation: number };
  status?: { observedGeneration?: number; conditions?: Condition[]; files?: { path: string; commit: string; destination?: string }[] };
}

export interface AppliedRun {
  name: string;
  /** POST → Applied=True seen. */
  appliedMs: number;
  /** POST → the commit holding the request's files pushed (commit probe). */
  commitMs: number;
  /** POST → ResourcesWritten=True first seen by the 50 ms poll. */
  writtenSeenMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cond = (g: Got, type: string) => g.status?.conditions?.find((c) => c.type === type);
const current = (g: Got) => g.status?.observedGeneration === g.metadata.generation;

/** Polls `fn` every `everyMs` until it answers a value; throws `what` after `timeoutMs`. */
export async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number, everyMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export interface AppliedOptions {
  root: string;
  /** Requests, one at a time. */
  n: number;
  log: (line: string) => void;
  /** Where teardown steps are registered (run in reverse order by the bench, also on failure). */
  cleanups: (() => Promise<void> | void)[];
  /** Per-request limit (default 120 s). */
  timeoutMs?: number;
}

export interface AppliedSetup {
  cluster: LocalCluster;
  platform: LocalPlatform;
  commits: ReturnType<typeof commitProbe>;
  storeName: string;
  setup_s: number;
}

/** Platform + local cluster + Flux (the platform `up` bootstraps it), served; not timed. */
export async function setupApplied(o: AppliedOptions, config = appliedConfig()): Promise<AppliedSetup> {
  const setupStart = nowMs();
  const toolchain = await ensureToolchain({ root: o.root, log: o.log });
  const bins = await ensureClusterBinaries({ root: o.root, log: o.log });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plinth-bench-applied-"));
  o.cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const clusterDir = path.join(dir, "cluster");
  fs.mkdirSync(clusterDir);
  o.log("applied: starting kube-apiserver (setup, not timed)");
  const cluster = await LocalCluster.start({ binaries: clusterBinaryResolver(o.root), dir: clusterDir, name: "bench", log: o.log });
  o.cleanups.push(async () => {
    const pids = cluster.pids();
    await cluster.stop();
    const left = pids.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    if (left.length) o.log(`cluster: processes still running after stop: ${left.join(", ")}`);
  });
  const platform = await LocalPlatform.start({ dataDir: path.join(dir, "data"), toolchain, port: 0, catalogue: { "configmap-probe": configMapProbePromise } });
  o.cleanups.push(() => platform.stop());
  // Interrupted during `up`: stop the CLI (SIGINT through the signal) and wait for it, so no plugin outlives the bench.
  const abort = new AbortController();
  let upRun: Promise<unknown> = Promise.resolve();
  o.cleanups.push(async () => {
    abort.abort();
    await upRun.catch(() => undefined);
  });
  platform.attachCluster("dev", { kubeconfig: cluster.kubeconfig, client: cluster.client, pluginDir: path.dirname(bins["kubernetes-provider"]) });
  o.log("applied: up of the platform stack (Flux bootstrap), then Flux (setup, not timed)");
  const up = platform.up(config, { signal: abort.signal });
  upRun = up;
  const outputs = await up;
  await cluster.startFlux();
  const commits = commitProbe(platform.stores.writer(outputs.stateStore.name));
  o.cleanups.push(() => commits.restore());
  await platform.serve({ retryBaseMs: 50 });
  const source = config.destinations[0].flux.isolated ? "dev-resources" : "plinth-state-store";
  await until(
    `Flux GitRepository ${source} Ready`,
    async () => {
      const r = await cluster.client.get<{ status?: { conditions?: Condition[] } }>(`/apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/gitrepositories/${source}`);
      return r?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ? true : undefined;
    },
    120_000,
    200,
  );
  return { cluster, platform, commits, storeName: outputs.stateStore.name, setup_s: round((nowMs() - setupStart) / 1000, 1) };
}

/** Sets up platform + cluster + Flux, runs the requests, verifies each ConfigMap; answers the runs. */
export async function measureApplied(o: AppliedOptions): Promise<{ runs: AppliedRun[]; setup_s: number }> {
  const s = await setupApplied(o);
  o.log(`request_to_applied_ms: setup took ${s.setup_s} s; ${o.n} requests one at a time`);
  return { runs: await timedRequests(s, o, "applied"), setup_s: s.setup_s };
}

/** `o.n` requests one at a time over HTTP, each timed from its POST to `Applied=True`; ConfigMaps checked. */
export async function timedRequests({ cluster, platform, commits }: AppliedSetup, o: AppliedOptions, prefix: string): Promise<AppliedRun[]> {
  const headers = { authorization: `Bearer ${platform.devToken}`, "content-type": "application/json" };
  const runs: AppliedRun[] = [];
  for (let i = 0; i < o.n; i++) {
    const name = `${prefix}-${i}`;
    const value = `bench-${i}-${Date.now()}`;
    const t0 = nowMs();
    const res = await fetch(`${platform.url}/v1/requests`, {
      method: "POST",
      headers,
      body: JSON.stringify({ apiVersion: API_VERSION, kind: APPLIED_KIND, metadata: { name }, spec: { value } }),
    });
    const text = await res.text();
    if (res.status !== 202) throw new Error(`POST ${name}: expected 202, got ${res.status}: ${text.slice(0, 500)}`);
    let writtenAt: number | undefined;
    const g = await until(
      `Applied=True on ${name}`,
      async () => {
        const r = await fetch(`${platform.url}/v1/requests/default/${APPLIED_KIND}/${name}`, { headers });
        if (r.status !== 200) throw new Error(`GET ${name}: ${r.status}: ${(await r.text()).slice(0, 500)}`);
        const got = (await r.json()) as Got;
        if (!current(got)) return undefined;
        if (writtenAt === undefined && cond(got, "ResourcesWritten")?.status === "True") writtenAt = nowMs();
        const a = cond(got, "Applied");
        if (a?.status === "False") throw new Error(`${name}: Applied=False: ${a.message}`);
        if (cond(got, "Stalled")?.status === "True") throw new Error(`${name} stalled: ${cond(got, "Stalled")!.message}`);
        return a?.status === "True" ? got : undefined;
      },
      o.timeoutMs ?? 120_000,
      50,
    );
    const appliedAt = nowMs();
    const files = g.status?.files ?? [];
    if (files.length === 0) throw new Error(`${name} is Applied but its status lists no files`);
    const pushes = files.map((f) => commits.pushedAt(f.commit));
    if (pushes.some((t) => t === undefined)) throw new Error(`${name}: a commit in its status was not seen pushed by this process`);
    const pushedAt = Math.max(...(pushes as number[]));

    const cm = await cluster.client.get<{ data?: Record<string, string> }>(`/api/v1/namespaces/default/configmaps/${name}`);
    if (!cm) throw new Error(`${name} is Applied=True but ConfigMap default/${name} does not exist in the cluster`);
    if (cm.data?.value !== value) throw new Error(`${name}: ConfigMap default/${name} holds ${JSON.stringify(cm.data)}, expected value ${value}`);

    const run: AppliedRun = { name, appliedMs: appliedAt - t0, commitMs: pushedAt - t0, writtenSeenMs: (writtenAt ?? appliedAt) - t0 };
    runs.push(run);
    o.log(`  ${name}: applied ${Math.round(run.appliedMs)} ms (commit pushed ${Math.round(run.commitMs)} ms, ResourcesWritten seen ${Math.round(run.writtenSeenMs)} ms)`);
  }
  return runs;
}

/** The figure's values from the runs: p50/p95/min/max of POST → Applied, and the split as medians. */
export function appliedValues(runs: readonly AppliedRun[], extra: Record<string, unknown> = {}): { p50: number; p95: number; n: number } & Record<string, unknown> {
  if (runs.length === 0) throw new Error("no runs");
  const applied = runs.map((r) => r.appliedMs);
  return {
    p50: round(percentile(applied, 50)),
    p95: round(percentile(applied, 95)),
    min: round(Math.min(...applied)),
    max: round(Math.max(...applied)),
    n: runs.length,
    to_commit_p50: round(percentile(runs.map((r) => r.commitMs), 50)),
    commit_to_applied_p50: round(percentile(runs.map((r) => r.appliedMs - r.commitMs), 50)),
    written_seen_p50: round(percentile(runs.map((r) => r.writtenSeenMs), 50)),
    written_seen_to_applied_p50: round(percentile(runs.map((r) => r.appliedMs - r.writtenSeenMs), 50)),
    ...extra,
  };
}

/** Env var naming the request count when this file runs as a child process of the bench. */
export const APPLIED_N_ENV = "PLINTH_BENCH_APPLIED_N";

/**
 * Child-process entry (the provider is served once per process, so after the bench's other platform
 * figures a fresh platform needs a fresh process): prints the figure's values as one JSON line, or
 * `{"error": …}`; progress on stderr; cleans up on exit and on SIGINT/SIGTERM.
 */
if (require.main === module) {
  const cleanups: (() => Promise<void> | void)[] = [];
  let cleaning: Promise<void> = Promise.resolve();
  // Chained, so the signal handler and the normal end never exit while the other is still stopping things.
  const cleanup = () =>
    (cleaning = cleaning.then(async () => {
      for (const c of cleanups.splice(0).reverse()) await Promise.resolve().then(c).catch((err: Error) => process.stderr.write(`cleanup: ${err.message}\n`));
    }));
  const log = (l: string) => void process.stderr.write(`[applied] ${l}\n`);
  for (const s of ["SIGINT", "SIGTERM"] as const) process.on(s, () => void cleanup().then(() => process.exit(130)));
  measureApplied({ root: path.resolve(__dirname, "..", ".."), n: Number(process.env[APPLIED_N_ENV] ?? 10), log, cleanups })
    .then((r) => appliedValues(r.runs, { setup_s: r.setup_s }))
    .catch((err: unknown) => ({ error: err instanceof Error ? err.message : String(err) }))
    .then(async (out) => {
      await cleanup();
      process.stdout.write(JSON.stringify(out) + "\n");
      process.exit(0);
    });
}
