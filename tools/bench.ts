/**
 * `npm run bench`: Plinth's figures on the embedded platform with the pinned engine. Prints one JSON line
 * per figure on stdout (with the machine's core count and the target it is judged by), then a summary
 * table; progress goes to stderr. Cleans up its temp dirs and child processes. Never part of the tests.
 *
 *   npm run bench                      # full: 20 sequential, burst 100, 10 000-dir repo (minutes)
 *   npm run bench -- --quick           # smoke run: 5 sequential, burst 20, 2 000 dirs
 *   npm run bench -- --only burst100_s,rss_mb
 *   npm run bench -- --only request_to_applied_ms   # local kube-apiserver + Flux (cluster binaries built)
 *
 * See tools/bench/README.md for what each figure measures.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { ensureToolchain } from "./pulumi/ensure";
import { LocalPlatform } from "../stacks/local-platform/local-platform";
import { stackNameOf } from "../service/core";
import { measureCommitLatency } from "../components/state-store/bench";
import { cleanGitEnv } from "../components/state-store/bare-repo";
import { parseArgs, type BenchArgs } from "./bench/args";
import { KIND } from "./bench/client";
import { runJsonScript } from "./bench/children";
import { measureCli } from "./bench/cli-time";
import { FAILOVER_TARGET_S, sharedFigures, type SharedValues } from "./bench/shared-figures";
import { appliedAtScaleFigure, appliedFigure, burstFigure, cliFigure, CLI_P50_TARGET_MS, platformUpFigure, requestFigure, rssFigure, scalingFigure, startFigure, APPLIED_AT_SCALE_P95_TARGET_MS, APPLIED_P50_TARGET_MS, BURST100_TARGET_S, REQUEST_P50_TARGET_MS } from "./bench/figures";
import { appliedValues, measureApplied, APPLIED_N_ENV } from "./bench/applied";
import { runMain } from "./bench/run-main";
import { commitProbe, reconcileLog, stackInitProbe } from "./bench/probes";
import { failedFigure, formatTable, jsonLine, type Figure } from "./bench/report";
import { burst, sequential, type Session, type Timed } from "./bench/requests";
import { sampleRss } from "./bench/rss";
import { cpuPerRequest, cpuTimes } from "./bench/cpu";
import { readStackConfig } from "../stacks/stack-config";
import { measureStart } from "./bench/start-time";
import { median, nowMs } from "./bench/stats";

const root = path.resolve(__dirname, "..");
const run = promisify(execFile);
const started = nowMs();
const log = (line: string): void => void process.stderr.write(`[bench ${((nowMs() - started) / 1000).toFixed(1)}s] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const cleanups: (() => Promise<void> | void)[] = [];
let cleaning: Promise<void> = Promise.resolve();
/** Runs the registered cleanups (last first). Calls are chained: a second caller (Ctrl-C while main is
 * cleaning up, or the other way round) waits until the first one's steps are done before it goes on. */
function cleanup(): Promise<void> {
  cleaning = cleaning.then(async () => {
    for (const c of cleanups.splice(0).reverse()) {
      try {
        await c();
      } catch (err) {
        log(`cleanup: ${(err as Error).message}`);
      }
    }
  });
  return cleaning;
}

/** Every commit a request's status names is on the remote branch (checked on the bare repo itself). */
async function verifyOnRemote(bareRepo: string, runs: Timed[]): Promise<void> {
  const { stdout } = await run("git", ["--git-dir", bareRepo, "rev-list", "refs/heads/main"], { env: cleanGitEnv(), maxBuffer: 64 << 20 });
  const reachable = new Set(stdout.split("\n"));
  for (const r of runs) for (const f of r.files) if (!reachable.has(f.commit)) throw new Error(`${r.name}: commit ${f.commit} of ${f.path} is not on the remote main`);
}

/** The figures that need a running platform: sequential requests, the burst, RSS around it. */
async function platformFigures(o: BenchArgs, emit: (f: Figure) => void): Promise<void> {
  const toolchain = await ensureToolchain({ root, log });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plinth-bench-"));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const dataDir = path.join(dir, "data");
  const platform = await LocalPlatform.start({ dataDir, toolchain, port: 0 });
  cleanups.push(() => platform.stop());
  log("platform: up of the local stack (setup, not timed)");
  // Every bench request is a TeamNamespace of its own name: the bench's team may own any namespace.
  const stack = readStackConfig(path.join(root, "Pulumi.local.yaml"));
  // The bench watches every request of a burst through its own `?until=ready` stream with one token,
  // so the per-token stream limit (default 32) is raised to the burst size here, explicitly. Every other
  // limit keeps its default (maxInFlightPerTeam 500 > 100). What is measured is unchanged.
  const burstN = o.quick ? 20 : 100;
  const limits = { ...((stack.limits as object) ?? {}), maxStreamsPerToken: burstN + 8 };
  log(`platform config: plinth:limits.maxStreamsPerToken = ${limits.maxStreamsPerToken} (one stream per burst request)`);
  const outputs = await platform.up({ ...stack, teams: [{ name: "dev", namespaces: ["*"] }], limits });
  const store = outputs.stateStore.name;
  const commits = commitProbe(platform.stores.writer(store));
  const rlog = reconcileLog();
  const service = await platform.serve({ log: rlog.log });
  const inits = stackInitProbe(service.options.workspace);
  const session: Session = {
    client: { url: platform.url, token: platform.devToken },
    commits,
    inits,
    upMs: rlog.upMs,
    stackOf: (name) => stackNameOf({ namespace: "default", kind: KIND, name }),
  };
  const bare = path.join(dataDir, "git", `${store}.git`);
  const idleStart = process.memoryUsage().rss / 2 ** 20;

  if (o.only.has("request_to_commit_ms")) {
    const n = o.quick ? 5 : 20;
    log(`request_to_commit_ms: ${n} sequential requests`);
    try {
      const cpu0 = cpuTimes();
      const r = await sequential(session, n, "seq", log);
      await service.idle();
      const cpu = cpuPerRequest(cpu0, cpuTimes(), n);
      await verifyOnRemote(bare, r.runs);
      emit(requestFigure({ ...r.values, ...cpu } as never));
    } catch (err) {
      emit(failedFigure("request_to_commit_ms", `p50 ≤ ${REQUEST_P50_TARGET_MS} ms`, err));
    }
  }

  if (o.only.has("cli_ms")) {
    try {
      // `plinth get` prints a table of requests: make a few when no figure before made any.
      if (!o.only.has("request_to_commit_ms")) await sequential(session, 3, "cli", log);
      log("cli_ms: 20 × plinth get (a new process each)");
      emit(cliFigure(await measureCli({ root, url: platform.url, token: platform.devToken, n: 20, log })));
    } catch (err) {
      emit(failedFigure("cli_ms", `p50 ≤ ${CLI_P50_TARGET_MS} ms`, err));
    }
  }

  if (o.only.has("burst100_s") || o.only.has("rss_mb")) {
    await service.idle();
    await sleep(1000);
    const idle: number[] = [];
    for (let i = 0; i < 10; i++, await sleep(100)) idle.push(process.memoryUsage().rss / 2 ** 20);
    log(`rss_mb: idle ${Math.round(median(idle))} MB (after serve ${Math.round(idleStart)} MB)`);
    const n = burstN;
    log(`burst100_s: ${n} requests at once (service concurrency ${service.options.concurrency ?? os.cpus().length})`);
    const sampler = sampleRss(100);
    try {
      const cpu0 = cpuTimes();
      const r = await burst(session, n, "burst");
      await service.idle();
      const cpu = cpuPerRequest(cpu0, cpuTimes(), n);
      const w = sampler.stop();
      await verifyOnRemote(bare, r.runs);
      log(`  all ${n} Ready after ${r.seconds.toFixed(1)} s`);
      if (o.only.has("burst100_s")) emit(burstFigure(r.seconds, n, { ...r.values, ...cpu, retries: rlog.failures.length }));
      if (o.only.has("rss_mb")) {
        emit(rssFigure({ idle_start: idleStart, idle: median(idle), peak: w.selfPeakMb, children_peak: w.childrenPeakMb, total_peak: w.totalPeakMb, max_children: w.maxChildren }));
      }
    } catch (err) {
      sampler.stop();
      if (o.only.has("burst100_s")) emit(failedFigure("burst100_s", `≤ ${BURST100_TARGET_S} s per 100`, err));
      if (o.only.has("rss_mb")) emit(failedFigure("rss_mb", "informational", err));
    }
  }
  for (const line of rlog.failures) log(`  service: ${line.slice(0, 300)}`);
  commits.restore();
  inits.restore();
  await cleanup();
}

async function main(): Promise<number> {
  if (process.env.CI && !process.argv.includes("--force")) {
    process.stderr.write("bench: not run in CI (CI is set); pass --force to run anyway\n");
    return 0;
  }
  const o = parseArgs(process.argv.slice(2));
  const cores = os.cpus().length;
  const machine = () => ({ cores, load1: Math.round(os.loadavg()[0] * 100) / 100 });
  const figures: Figure[] = [];
  const emit = (f: Figure) => {
    figures.push(f);
    process.stdout.write(jsonLine(f, machine()) + "\n");
  };
  log(`${o.quick ? "quick" : "full"} run on ${cores} cores (load ${machine().load1}), node ${process.version}: ${[...o.only].join(", ")}`);

  const ranPlatform = ["request_to_commit_ms", "burst100_s", "rss_mb", "cli_ms"].some((f) => o.only.has(f));
  if (ranPlatform) await platformFigures(o, emit);

  if (o.only.has("request_to_applied_ms")) {
    const n = o.quick ? 5 : 10;
    try {
      if (ranPlatform) {
        // The provider is served once per process: after the platform figures, a fresh platform needs a fresh process.
        log(`request_to_applied_ms: in a child process (${n} requests)`);
        process.env[APPLIED_N_ENV] = String(n);
        const v = await runJsonScript<{ p50: number; p95: number; n: number; error?: string }>(root, path.join("tools", "bench", "applied.ts"), 20 * 60_000);
        if (v.error !== undefined) throw new Error(v.error);
        emit(appliedFigure(v));
      } else {
        const r = await measureApplied({ root, n, log, cleanups });
        emit(appliedFigure(appliedValues(r.runs, { setup_s: r.setup_s })));
      }
    } catch (err) {
      emit(failedFigure("request_to_applied_ms", `p50 ≤ ${APPLIED_P50_TARGET_MS} ms`, err));
    } finally {
      await cleanup();
    }
  }

  if (o.only.has("applied_at_scale")) {
    try {
      // Always in a child process (its own platform, cluster and provider); minutes of set-up.
      if (o.quick) process.env.PLINTH_BENCH_SCALE_SIZES = "10,50";
      log(`applied_at_scale: in a child process (sizes ${process.env.PLINTH_BENCH_SCALE_SIZES ?? "10,100,200"})`);
      const v = await runJsonScript<{ p50: number; p95: number; n: number; error?: string }>(root, path.join("tools", "bench", "applied-scale.ts"), 50 * 60_000);
      if (v.error !== undefined) throw new Error(v.error);
      emit(appliedAtScaleFigure(v));
    } catch (err) {
      emit(failedFigure("applied_at_scale", `p95 ≤ ${APPLIED_AT_SCALE_P95_TARGET_MS} ms`, err));
    }
  }

  if (o.only.has("commit_scaling")) {
    const dirs = o.quick ? 2000 : 10_000;
    const samples = o.quick ? 5 : 15;
    try {
      log(`commit_scaling: ${samples} commits on an empty repo`);
      const empty = await measureCommitLatency({ existingDirs: 0, samples });
      log(`commit_scaling: building a repo of ${dirs} placement dirs, then ${samples} commits (about a minute for 10 000)`);
      const full = await measureCommitLatency({ existingDirs: dirs, samples });
      emit(scalingFigure(empty.medianMs, full.medianMs, dirs, samples));
    } catch (err) {
      emit(failedFigure("commit_scaling", "ratio vs 1.0 (flat)", err));
    }
  }

  const shared = ["request_to_commit_shared_ms", "replicas_burst100_s", "failover_s"].filter((f) => o.only.has(f));
  if (shared.length) {
    // Three replica processes on embedded Postgres (test/support/shared/replicas.ts), in a child process.
    if (o.quick) process.env.PLINTH_BENCH_SHARED_BURST ??= "30";
    log(`${shared.join(", ")}: three replicas in shared mode, in a child process`);
    try {
      const v = await runJsonScript<SharedValues & { error?: string }>(root, path.join("tools", "bench", "replicas.ts"), 60 * 60_000);
      if (v.error !== undefined) throw new Error(v.error);
      for (const f of sharedFigures(v)) if (o.only.has(f.figure)) emit(f);
    } catch (err) {
      for (const f of shared) emit(failedFigure(f, f === "failover_s" ? `≤ ${FAILOVER_TARGET_S} s` : "informational", err));
    }
  }

  if (o.only.has("platform_up_s")) {
    log("platform_up_s: cold and no-op up of the local stack in a child process");
    try {
      emit(platformUpFigure(await runJsonScript(root, path.join("tools", "bench", "platform-up.ts"), 15 * 60_000)));
    } catch (err) {
      emit(failedFigure("platform_up_s", "informational", err));
    }
  }

  if (o.only.has("start_s")) {
    log("start_s: npm start in the checkout until ready, then Ctrl-C");
    try {
      emit(startFigure({ ...(await measureStart(root)) }));
    } catch (err) {
      emit(failedFigure("start_s", "informational", err));
    }
  }

  process.stdout.write("\n" + formatTable(figures, machine()) + "\n");
  log("done");
  return figures.some((f) => f.values.error !== undefined) ? 1 : 0;
}

if (require.main === module) runMain(main, cleanup, log);
