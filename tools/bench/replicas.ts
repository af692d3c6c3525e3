/**
 * Child process of the bench: shared mode with three replica processes (test/support/shared/replicas.ts:
 * embedded Postgres, a `git http-backend` remote, one transit key service). Prints one JSON line:
 *
 * - `request_to_commit_shared`: sequential requests to one replica, POST → Ready seen over SSE (its commit pushed),
 *   Pulumi state in Postgres — beside the embedded `request_to_commit_ms`;
 * - `replicas_burst100_s`: 100 requests POSTed round-robin over the three replicas → all Ready;
 * - `failover_s`: SIGKILL of a replica (and its CLI children) while it runs reconciles → the last of those
 *   requests resumed on another replica (another process holds its stack's lock, or it is Ready); with
 *   `lost` (acknowledged, never Ready) and `duplicated` (a file committed more than once).
 *
 *   PLINTH_BENCH_SHARED_SEQ=10 PLINTH_BENCH_SHARED_BURST=100 npx tsx tools/bench/replicas.ts
 */
import { stackNameOf } from "../../service/core/keys";
import { processGroupOf, startSharedPlatform, KIND, type SharedPlatform } from "../../test/support/shared/replicas";
import { waitReady } from "./client";
import { nowMs, percentile, round } from "./stats";

const SEQ = Number(process.env.PLINTH_BENCH_SHARED_SEQ ?? 10);
const BURST = Number(process.env.PLINTH_BENCH_SHARED_BURST ?? 100);
const FAILOVER = Number(process.env.PLINTH_BENCH_SHARED_FAILOVER ?? 12);
const log = (l: string) => process.stderr.write(`bench(replicas): ${l}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const stackOf = (name: string) => stackNameOf({ namespace: "default", kind: KIND, name });

const groupOf = processGroupOf;

async function sequential(p: SharedPlatform): Promise<Record<string, number>> {
  const ms: number[] = [];
  for (let i = 0; i < SEQ; i++) {
    const name = `seq-${i}`;
    const t0 = nowMs();
    await p.submit(0, name);
    // Ready as the embedded figure's client sees it: over SSE (…/events?until=ready).
    const ready = await waitReady({ url: p.replicas[0].url!, token: p.token }, name, 120_000);
    ms.push(ready.readyAt - t0);
  }
  return { p50: round(percentile(ms, 50)), p95: round(percentile(ms, 95)), n: ms.length };
}

async function burst(p: SharedPlatform): Promise<number> {
  const names = Array.from({ length: BURST }, (_, i) => `burst-${i}`);
  const t0 = performance.now();
  await Promise.all(names.map((n, i) => p.submit(i % 3, n)));
  await p.waitReady(names, 30 * 60_000);
  return (performance.now() - t0) / 1000;
}

async function failover(p: SharedPlatform): Promise<Record<string, number>> {
  const names = Array.from({ length: FAILOVER }, (_, i) => `fail-${i}`);
  await Promise.all(names.map((n, i) => p.submit(i % 3, n)));
  const victim = p.replicas[2].platform!.child.pid!;
  // Wait until the victim runs reconciles (its CLI children hold stack locks), then kill its whole group.
  let inFlight: string[] = [];
  for (let i = 0; i < 600 && inFlight.length === 0; i++) {
    inFlight = await p.inFlight(2);
    if (inFlight.length === 0) await sleep(50);
  }
  if (inFlight.length === 0) throw new Error("the replica to kill never ran a reconcile");
  const killed = performance.now();
  await p.kill(2);
  const resumedAt = new Map<string, number>();
  const byStack = new Map(names.map((n) => [stackOf(n), n]));
  while (resumedAt.size < inFlight.length) {
    if (performance.now() - killed > 10 * 60_000) throw new Error(`not resumed within 10 min: ${inFlight.filter((s) => !resumedAt.has(s)).join(", ")}`);
    const locks = await p.locks();
    const states = await p.list(0).catch(() => new Map());
    for (const s of inFlight) {
      if (resumedAt.has(s)) continue;
      const elsewhere = locks.some((l) => l.stack === s && groupOf(l.pid) !== undefined && groupOf(l.pid) !== victim);
      if (elsewhere || states.get(byStack.get(s)!)?.outcome === "ready") resumedAt.set(s, performance.now());
    }
    await sleep(100);
  }
  const failoverS = (Math.max(...resumedAt.values()) - killed) / 1000;
  const states = await p.waitReady(names, 10 * 60_000).catch(() => undefined);
  const final = states ?? (await p.list(0));
  const lost = names.filter((n) => final.get(n)?.outcome !== "ready").length;
  const byPath = p.commitsByPath();
  const duplicated = names.filter((n) => (final.get(n)?.files ?? []).some((f: { path: string }) => f.path.includes(`/${n}/`) && (byPath.get(f.path)?.length ?? 0) > 1)).length;
  return { failover_s: round(failoverS, 1), in_flight: inFlight.length, lost, duplicated };
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const p = await startSharedPlatform({ replicas: 3 });
  try {
    await Promise.all(p.replicas.map((r) => p.start(r.index)));
    log(`3 replicas up in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const seq = await sequential(p);
    log(`request_to_commit_shared_ms: p50 ${seq.p50} ms (n=${seq.n})`);
    const burstS = await burst(p);
    log(`replicas_burst100_s: ${burstS.toFixed(1)} s for ${BURST}`);
    const fo = await failover(p);
    log(`failover_s: ${fo.failover_s} s (${fo.in_flight} in flight; lost ${fo.lost}, duplicated ${fo.duplicated})`);
    process.stdout.write(JSON.stringify({ request_to_commit_shared: seq, replicas_burst100_s: round(burstS * (100 / BURST), 1), burst_n: BURST, ...fo }) + "\n");
  } finally {
    await p.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stdout.write(JSON.stringify({ error: (err as Error).message }) + "\n");
    process.exit(0);
  },
);
