/**
 * applied_at_scale: the GitOps loop with hundreds of requests on one local-cluster destination.
 *
 * Same set-up as request_to_applied_ms (applied.ts). The destination is then filled to 10, 100 and 200
 * requests "already applied": their directories (one ConfigMap each, the ConfigMapProbe's layout, the
 * team's account) are written through the platform's own GitWriter — the same files, flux index entries
 * and scope branches a request's reconcile writes, without 200 engine runs of set-up — and the bench waits
 * until Flux reports every one of them applied. At each size it measures the controllers' cost of one
 * commit: CPU-seconds of source-controller + kustomize-controller (utime + stime from /proc/<pid>/stat)
 * over `commits` updates of one seeded request (each waited until applied, plus a settle time), minus the
 * idle rate measured just before, per commit. At 200, `n` more requests are made over HTTP one at a time,
 * each timed from its POST to `Applied=True` (as request_to_applied_ms). load1 is recorded with every figure.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { requestKustomizationName, teamServiceAccountName } from "../../components/state-store/flux-index";
import { resourcesDir, shortId, withKustomization } from "../../components/state-store/layout";
import type { GitWriter } from "../../components/state-store/writer";
import { appliedConfig, appliedValues, setupApplied, timedRequests, until, type AppliedOptions, type AppliedSetup } from "./applied";
import { nowMs, round } from "./stats";
import { runMain } from "./run-main";

const CLK_TCK = 100;
const load1 = () => round(os.loadavg()[0], 2);

/** utime + stime of a process in seconds. */
export function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

const seedName = (i: number) => `seed-${i}`;
const seedDir = (i: number) => resourcesDir({ destinationPath: "dev", namespace: "default", promise: "configmap-probe", name: seedName(i), pipeline: "configure", id: shortId(seedName(i)) });
const seedFiles = (i: number, value: string) =>
  withKustomization({ "configmap.yaml": `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${seedName(i)}\n  namespace: default\ndata:\n  value: ${JSON.stringify(value)}\n` });

interface Kustomization {
  metadata: { name: string };
  status?: { conditions?: { type: string; status: string }[]; lastAppliedRevision?: string };
}

async function seed(s: AppliedSetup, writer: GitWriter, from: number, to: number, log: (l: string) => void): Promise<void> {
  const account = teamServiceAccountName("dev");
  for (let i = from; i < to; i += 50) {
    const batch = [];
    for (let j = i; j < Math.min(to, i + 50); j++) batch.push(writer.writeDirectory({ dir: seedDir(j), files: seedFiles(j, "v0"), serviceAccountName: account }));
    await Promise.all(batch);
  }
  s.platform.service!.applied!.nudge(["dev"]);
  const names = new Set(Array.from({ length: to }, (_, i) => requestKustomizationName("dev", { namespace: "default", promise: "configmap-probe", name: seedName(i) })));
  const started = nowMs();
  await until(
    `${to} seeded requests applied`,
    async () => {
      const list = await s.cluster.client.get<{ items: Kustomization[] }>("/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations?labelSelector=plinth.dev%2Fpromise%3Dconfigmap-probe");
      const ready = (list?.items ?? []).filter((k) => names.has(k.metadata.name) && k.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")).length;
      return ready === names.size ? true : undefined;
    },
    20 * 60_000,
    1000,
  );
  log(`applied_at_scale: ${to} requests applied (seeding ${from}..${to} took ${round((nowMs() - started) / 1000, 1)} s after the commits)`);
}

/** CPU-seconds of the Flux controllers per commit that updates one request, at the current size. */
async function costPerCommit(s: AppliedSetup, writer: GitWriter, commits: number, settleMs: number): Promise<Record<string, number>> {
  const pids = { source: s.cluster.pidOf("source-controller")!, kustomize: s.cluster.pidOf("kustomize-controller")!, apiserver: s.cluster.pidOf("kube-apiserver")! };
  const sample = () => ({ source: cpuSeconds(pids.source), kustomize: cpuSeconds(pids.kustomize), apiserver: cpuSeconds(pids.apiserver), t: nowMs() });
  const idle0 = sample();
  await new Promise((r) => setTimeout(r, 5000));
  const idle1 = sample();
  const rate = (k: "source" | "kustomize" | "apiserver") => (idle1[k] - idle0[k]) / ((idle1.t - idle0.t) / 1000);
  const a = sample();
  for (let c = 0; c < commits; c++) {
    const value = `c${c}-${Date.now()}`;
    await writer.writeDirectory({ dir: seedDir(0), files: seedFiles(0, value), serviceAccountName: teamServiceAccountName("dev") });
    s.platform.service!.applied!.nudge(["dev"], { namespace: "default", promise: "configmap-probe", name: seedName(0) });
    await until(
      "the updated ConfigMap",
      async () => ((await s.cluster.client.get<{ data?: Record<string, string> }>(`/api/v1/namespaces/default/configmaps/${seedName(0)}`))?.data?.value === value ? true : undefined),
      120_000,
      50,
    );
  }
  await new Promise((r) => setTimeout(r, settleMs));
  const b = sample();
  const secs = (b.t - a.t) / 1000;
  const per = (k: "source" | "kustomize" | "apiserver") => round(Math.max(0, b[k] - a[k] - rate(k) * secs) / commits, 3);
  return { controllers_cpu_s: round(per("source") + per("kustomize"), 3), source_cpu_s: per("source"), kustomize_cpu_s: per("kustomize"), apiserver_cpu_s: per("apiserver"), load1: load1() };
}

export interface ScaleOptions extends AppliedOptions {
  sizes: number[];
  commits: number;
  isolated: boolean;
}

export async function measureAppliedAtScale(o: ScaleOptions): Promise<Record<string, unknown>> {
  const s = await setupApplied(o, appliedConfig(o.isolated));
  const writer = s.platform.stores.writer(s.storeName);
  const cost: Record<string, unknown> = {};
  let have = 0;
  for (const size of o.sizes) {
    await seed(s, writer, have, size, o.log);
    have = size;
    cost[`at_${size}`] = await costPerCommit(s, writer, o.commits, 3000);
    o.log(`applied_at_scale: cost per commit at ${size}: ${JSON.stringify(cost[`at_${size}`])}`);
  }
  const loadBefore = load1();
  const runs = await timedRequests(s, o, "scale");
  return { ...appliedValues(runs), requests_on_destination: have, isolated: o.isolated, load1_start: loadBefore, load1: load1(), cost_per_commit: cost, setup_s: s.setup_s };
}

if (require.main === module) {
  const cleanups: (() => Promise<void> | void)[] = [];
  const log = (l: string) => void process.stderr.write(`[applied-scale] ${l}\n`);
  const sizes = (process.env.PLINTH_BENCH_SCALE_SIZES ?? "10,100,200").split(",").map(Number);
  const isolated = process.env.PLINTH_BENCH_FLUX_ISOLATED !== "0";
  runMain(
    async () => {
      const out = await measureAppliedAtScale({ root: path.resolve(__dirname, "..", ".."), n: Number(process.env.PLINTH_BENCH_APPLIED_N ?? 10), log, cleanups, sizes, commits: Number(process.env.PLINTH_BENCH_SCALE_COMMITS ?? 5), isolated }).catch((err: unknown) => ({
        error: err instanceof Error ? err.message : String(err),
      }));
      process.stdout.write(JSON.stringify(out) + "\n");
      return 0;
    },
    async () => {
      for (const c of cleanups.splice(0).reverse()) await Promise.resolve().then(c).catch((err: Error) => log(`cleanup: ${err.message}`));
    },
    log,
  );
}
