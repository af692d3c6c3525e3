/**
 * Where one request's CPU goes (tools/bench/README.md, "Profile"). Not a figure of `npm run bench`: it
 * runs the embedded platform as the bench does, then `n` sequential TeamNamespace requests (after one
 * warm-up) with
 *   - every `pulumi` CLI run started with `--profiling <dir>/<command>` (a wrapper that execs the pinned
 *     CLI, so pids, locks and the provider's peer check are unchanged): read them with
 *     `go tool pprof -top <dir>/up-*.cpu`;
 *   - this process (where the service runs) under the V8 CPU profiler (`node:inspector`), summarised
 *     here by where the code comes from (self time);
 *   - CPU-seconds per request of this process and of the CLI runs (/proc/self/stat).
 *
 *   npx tsx tools/bench/profile.ts [n]      # default 20; PLINTH_PROFILE_DIR keeps the profiles
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Session } from "node:inspector/promises";
import { ensureToolchain } from "../pulumi/ensure";
import { LocalPlatform } from "../../stacks/local-platform/local-platform";
import { readStackConfig } from "../../stacks/stack-config";
import { submit, waitReady } from "./client";
import { cpuPerRequest, cpuTimes } from "./cpu";
import { runMain } from "./run-main";

const root = path.resolve(__dirname, "..", "..");
const log = (line: string): void => void process.stderr.write(`[profile] ${line}\n`);

interface Node {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface CpuProfile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a function's code comes from, for the breakdown. */
export function categoryOf(frame: { functionName: string; url: string }): string {
  const u = frame.url;
  if (!u) {
    if (frame.functionName === "(garbage collector)") return "GC";
    if (frame.functionName === "(idle)" || frame.functionName === "(program)") return frame.functionName;
    if (/^JSON|stringify|parse$/.test(frame.functionName)) return "JSON (native)";
    return "native (other)";
  }
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u);
  if (nm) {
    if (nm[1] === "@pulumi/pulumi") return "@pulumi/pulumi (program runtime)";
    if (nm[1] === "@grpc/grpc-js" || nm[1] === "google-protobuf" || nm[1] === "@grpc/proto-loader") return "gRPC + protobuf";
    if (nm[1] === "isomorphic-git" || nm[1] === "pako" || nm[1] === "sha.js") return "Git (isomorphic-git)";
    return nm[1];
  }
  if (u.startsWith("node:")) return "Node core (fs, net, http, child_process)";
  const rel = u.replace(/^file:\/\//, "").replace(root + "/", "");
  if (rel.startsWith("components/state-store")) return "Git (state-store)";
  if (rel.startsWith("service/provider")) return "provider (service/provider)";
  if (rel.startsWith("service/engine")) return "engine glue (service/engine)";
  if (rel.startsWith("service/")) return rel.split("/").slice(0, 2).join("/");
  return rel.split("/")[0];
}

/** Self time per category, milliseconds, largest first. */
export function selfTimeByCategory(p: CpuProfile): [string, number][] {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const ms = new Map<string, number>();
  p.samples.forEach((id, i) => {
    const c = categoryOf(byId.get(id)!.callFrame);
    ms.set(c, (ms.get(c) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
  });
  return [...ms].sort((a, b) => b[1] - a[1]);
}

/** A `pulumi` that execs the real one with `--profiling <dir>/<command>[-<sub>]` appended. */
function profilingWrapper(real: string, dir: string): string {
  const wrapper = path.join(dir, "bin", "pulumi");
  fs.mkdirSync(path.dirname(wrapper), { recursive: true });
  fs.writeFileSync(
    wrapper,
    ["#!/bin/sh", `name="$1"; [ "$1" = stack ] && name="stack-$2"`, `exec "${real}" "$@" --profiling "${dir}/cli/$name"`, ""].join("\n"),
    { mode: 0o755 },
  );
  fs.mkdirSync(path.join(dir, "cli"), { recursive: true });
  return wrapper;
}

const cleanups: (() => Promise<void> | void)[] = [];
async function cleanup(): Promise<void> {
  for (const c of cleanups.splice(0).reverse()) await c();
}

async function main(): Promise<number> {
  const n = Number(process.argv[2] ?? 20);
  const toolchain = await ensureToolchain({ root, log });
  const keep = process.env.PLINTH_PROFILE_DIR;
  const dir = keep ?? fs.mkdtempSync(path.join(os.tmpdir(), "plinth-profile-"));
  if (!keep) cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  // The plugin shims stay found next to the real CLI.
  process.env.PATH = `${toolchain.binDir}${path.delimiter}${process.env.PATH}`;
  const platform = await LocalPlatform.start({ dataDir: path.join(dir, "data"), toolchain: { ...toolchain, pulumi: profilingWrapper(toolchain.pulumi, dir) }, port: 0 });
  cleanups.push(() => platform.stop());
  const stack = readStackConfig(path.join(root, "Pulumi.local.yaml"));
  await platform.up({ ...stack, teams: [{ name: "dev", namespaces: ["*"] }] });
  const service = await platform.serve({ log: () => undefined });
  const client = { url: platform.url, token: platform.devToken };
  const one = async (name: string) => {
    await submit(client, name);
    await waitReady(client, name, 120_000);
  };
  await one("warm-0");
  await service.idle();
  fs.rmSync(path.join(dir, "cli"), { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, "cli"));

  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 1000 });
  await session.post("Profiler.start");
  const cpu0 = cpuTimes();
  const t0 = Date.now();
  for (let i = 0; i < n; i++) await one(`prof-${i}`);
  await service.idle();
  const wall = (Date.now() - t0) / n;
  const cpu = cpuPerRequest(cpu0, cpuTimes(), n);
  const { profile } = (await session.post("Profiler.stop")) as unknown as { profile: CpuProfile };
  session.disconnect();
  fs.writeFileSync(path.join(dir, "service.cpuprofile"), JSON.stringify(profile));

  const load1 = Math.round(os.loadavg()[0] * 100) / 100;
  const rows = selfTimeByCategory(profile).filter(([c]) => c !== "(idle)");
  const busy = rows.reduce((a, [, ms]) => a + ms, 0);
  const lines = [`${n} sequential requests, load1 ${load1}: wall ${Math.round(wall)} ms/request; CPU ${JSON.stringify(cpu)}`, "", "service process, self time per request (V8 sampling, idle excluded):"];
  for (const [c, ms] of rows) lines.push(`  ${(ms / n).toFixed(1).padStart(7)} ms  ${((100 * ms) / busy).toFixed(1).padStart(5)} %  ${c}`);
  lines.push("", `CLI profiles: ${path.join(dir, "cli")} (go tool pprof -top ${path.join(dir, "cli", "up.*.cpu")})`);
  process.stdout.write(lines.join("\n") + "\n");
  return 0;
}

if (require.main === module) runMain(main, cleanup, log);
