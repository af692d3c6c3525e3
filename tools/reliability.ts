/**
 * `npm run reliability`: evidence that the platform is safe to share, on the embedded platform with the
 * pinned engine. Prints one JSON line per figure on stdout (each with `ok`), then a table; progress goes
 * to stderr. Loopback only; bounded in count and time; removes its temp dirs and stops what it started.
 * Never part of the tests; refuses to run when `CI` is set (unless `--force`).
 *
 *   npm run reliability                       # full: 2 000 fuzz bodies, 100 race interleavings, …
 *   npm run reliability -- --quick            # minutes on 2 cores
 *   npm run reliability -- --only fuzz,races
 *
 * Sizes: PLINTH_RELIABILITY_* env vars (tools/reliability/args.ts). See tools/reliability/README.md.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import { spawn } from "node:child_process";
import { ensureToolchain } from "./pulumi/ensure";
import { LocalPlatform } from "../stacks/local-platform/local-platform";
import { readStackConfig } from "../stacks/stack-config";
import { failedFigure, formatTable, jsonLine, type Figure } from "./bench/report";
import { parseArgs, type FigureName, type ReliabilityArgs } from "./reliability/args";
import { BareRepo, type Team } from "./reliability/api";
import type { Ctx } from "./reliability/context";
import { fuzzFigureRun } from "./reliability/fuzz";
import { RACE_NAMESPACE, raceNames, racesFigureRun } from "./reliability/races";
import { tenancyFigureRun } from "./reliability/tenancy";
import { crashFigureRun } from "./reliability/crash";
import { gitOutageFigureRun } from "./reliability/git-outage";
import { runMain } from "./bench/run-main";

const root = path.resolve(__dirname, "..");
const started = Date.now();
const log = (line: string): void => void process.stderr.write(`[reliability ${((Date.now() - started) / 1000).toFixed(1)}s] ${line}\n`);

const cleanups: (() => Promise<void> | void)[] = [];
let cleaning: Promise<void> = Promise.resolve();
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

/** The service's own log (reconciles, retries, failures) to the file PLINTH_RELIABILITY_SERVICE_LOG names, for diagnosis. */
function serviceLogger(): ((line: string) => void) | undefined {
  const file = process.env.PLINTH_RELIABILITY_SERVICE_LOG;
  return file ? (line) => fs.appendFileSync(file, `${new Date().toISOString()} ${line}\n`) : undefined;
}

/** Runs one figure in a child process of this program (same sizes and env) and answers its figure. */
async function figureInChild(name: FigureName, o: ReliabilityArgs): Promise<Figure> {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "plinth-reliability-child-")), "figures.json");
  cleanups.push(() => fs.rmSync(path.dirname(out), { recursive: true, force: true }));
  const child = spawn(process.execPath, ["--import", "tsx", __filename, "--only", name, ...(o.quick ? ["--quick"] : []), "--force"], {
    cwd: root,
    env: { ...process.env, PLINTH_RELIABILITY_FIGURES_OUT: out },
    stdio: ["ignore", "ignore", "inherit"],
    detached: true,
  });
  cleanups.push(() => void (child.exitCode === null && child.pid && process.kill(-child.pid, "SIGTERM")));
  await new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const figures = JSON.parse(fs.readFileSync(out, "utf8")) as Figure[];
  const f = figures.find((x) => x.figure === name);
  if (!f) throw new Error(`the child run of ${name} reported no figure`);
  return f;
}

const TARGETS: Record<FigureName, (o: ReliabilityArgs) => string> = {
  fuzz: (o) => `≥ ${o.sizes.fuzzBodies} bodies, 0 × 5xx, 0 commits from rejected bodies`,
  races: (o) => `≥ ${o.sizes.races} interleavings, 0 lost acknowledged writes`,
  tenancy: () => "0 cross-team reads or writes, 0 escapes committed",
  crash: (o) => `≥ ${o.sizes.kills} kills; all converge; no lock left`,
  git_outage: () => "conditions say so during the outage; all converge after",
};

/** Runs `work` with the figure's time bound; a failure or timeout is a failed figure, never a crash. */
async function bounded(name: FigureName, o: ReliabilityArgs, work: () => Promise<Figure>): Promise<Figure> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${name} took longer than ${o.sizes.figureTimeoutSeconds} s`)), o.sizes.figureTimeoutSeconds * 1000);
    });
    return await Promise.race([work(), limit]);
  } catch (err) {
    return failedFigure(name, TARGETS[name](o), err);
  } finally {
    clearTimeout(timer);
  }
}

/** The figures that share one in-process platform: fuzz, races, tenancy. */
async function inProcess(o: ReliabilityArgs, emit: (f: Figure) => void): Promise<void> {
  const toolchain = await ensureToolchain({ root, log });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plinth-reliability-"));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const platform = await LocalPlatform.start({ dataDir: path.join(dir, "data"), toolchain, port: 0, host: "127.0.0.1" });
  cleanups.push(() => platform.stop());
  const alpha: Team = { name: "alpha", namespaces: ["alpha", "shared"], token: randomBytes(24).toString("base64url") };
  const beta: Team = { name: "beta", namespaces: ["beta", "shared"], token: randomBytes(24).toString("base64url") };
  const racer: Team = { name: "racer", namespaces: [RACE_NAMESPACE, ...raceNames(o.sizes.races, o.sizes.raceWidth)], token: randomBytes(24).toString("base64url") };
  const raw = readStackConfig(path.join(root, "Pulumi.local.yaml"));
  const devTeams = (raw.teams as { name: string; namespaces: string[] }[]) ?? [];
  raw.teams = [...devTeams, ...[alpha, beta, racer].map((t) => ({ name: t.name, namespaces: t.namespaces, token: t.token }))];
  log("platform: up of the local stack with teams alpha, beta and racer (setup, not judged)");
  const outputs = await platform.up(raw);
  const service = await platform.serve({ log: serviceLogger() ?? (() => undefined) });
  const ctx: Ctx = {
    url: platform.url,
    dev: { name: "dev", namespaces: devTeams[0]?.namespaces ?? ["default"], token: platform.devToken },
    alpha,
    beta,
    racer,
    repo: new BareRepo(path.join(dir, "data", "git", `${outputs.stateStore.name}.git`), outputs.stateStore.branch),
    idle: () => service.idle(),
    requestCount: () => service.store.all().length,
    log,
    seed: o.sizes.seed,
  };
  if (o.only.has("tenancy")) emit(await bounded("tenancy", o, () => tenancyFigureRun(ctx)));
  if (o.only.has("races")) emit(await bounded("races", o, () => racesFigureRun(ctx, o.sizes.races, o.sizes.raceWidth)));
  if (o.only.has("fuzz")) emit(await bounded("fuzz", o, () => fuzzFigureRun(ctx, root, o.sizes.fuzzBodies)));
  await cleanup();
}

async function main(): Promise<number> {
  if (process.env.CI && !process.argv.includes("--force")) {
    process.stderr.write("reliability: not run in CI (CI is set); pass --force to run anyway\n");
    return 0;
  }
  const o = parseArgs(process.argv.slice(2), process.env);
  const cores = os.cpus().length;
  const machine = () => ({ cores, load1: Math.round(os.loadavg()[0] * 100) / 100 });
  const figures: Figure[] = [];
  const emit = (f: Figure) => {
    f.values = { quick: o.quick, ...f.values };
    figures.push(f);
    process.stdout.write(jsonLine(f, machine()) + "\n");
  };
  log(`${o.quick ? "quick" : "full"} run on ${cores} cores (load ${machine().load1}): ${[...o.only].join(", ")}; sizes ${JSON.stringify(o.sizes)}`);
  if (o.only.has("fuzz") || o.only.has("races") || o.only.has("tenancy")) {
    try {
      await inProcess(o, emit);
    } catch (err) {
      for (const name of ["tenancy", "races", "fuzz"] as const) if (o.only.has(name) && !figures.some((f) => f.figure === name)) emit(failedFigure(name, TARGETS[name](o), err));
      await cleanup();
    }
  }
  if (o.only.has("crash")) {
    emit(await bounded("crash", o, () => crashFigureRun({ root, kills: o.sizes.kills, burst: o.sizes.burst, seed: o.sizes.seed, log, cleanups })));
    await cleanup();
  }
  if (o.only.has("git_outage")) {
    // A process serves one plinth provider: after the in-process figures' platform, git_outage runs in a child.
    const inChild = o.only.has("fuzz") || o.only.has("races") || o.only.has("tenancy");
    emit(await bounded("git_outage", o, async () => (inChild ? figureInChild("git_outage", o) : gitOutageFigureRun({ toolchain: await ensureToolchain({ root, log }), outageSeconds: o.sizes.outageSeconds, seed: o.sizes.seed, log, cleanups, serviceLog: serviceLogger() }))));
    await cleanup();
  }
  if (process.env.PLINTH_RELIABILITY_FIGURES_OUT) fs.writeFileSync(process.env.PLINTH_RELIABILITY_FIGURES_OUT, JSON.stringify(figures));
  process.stdout.write("\n" + formatTable(figures, machine(), "Plinth reliability") + "\n");
  log("done");
  return figures.every((f) => f.ok === true) ? 0 : 1;
}

if (require.main === module) runMain(main, cleanup, log);
