/**
 * `git_outage`: an embedded platform whose State Store is a remote (`git http-backend` behind basic auth,
 * test/support/git-server.ts) reached through a proxy the suite cuts mid-burst: for the first half of the
 * outage every connection is reset (the host is gone), for the second half every request is answered
 * `503` (the host is up but failing). Writes go on during the outage: they must be acknowledged (the
 * API does not need Git), the affected requests must say why they are not Ready (a condition naming the
 * State Store), none may be Ready or gone while its files could not have been pushed, and once the
 * remote is back every request must converge to its last acknowledged write, with a clean repository
 * (`git fsck`: no half-written commit).
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import type { Figure } from "../bench/report";
import type { Toolchain } from "../pulumi/ensure";
import { LocalPlatform } from "../../stacks/local-platform/local-platform";
import { cleanGitEnv } from "../../components/state-store/bare-repo";
import { startGitServer } from "../../test/support/git-server";
import { BareRepo, call, conditionOf, requestPath, sleep, type RequestView } from "./api";
import { startCutProxy } from "../../test/support/cut-proxy";
import { outageFigure, type OutageCounts } from "./figures";
import { rng } from "./mutate";
import { acknowledged, describeView, type Expected } from "./races";

const run = promisify(execFile);
const KIND = "TeamNamespace";
const NS = "outage";
const body = (name: string, team: string) => JSON.stringify({ apiVersion: "plinth.dev/v1alpha1", kind: KIND, metadata: { name, namespace: NS }, spec: { team } });

/** A status that shows a failed reconcile (a retry scheduled, given up, or not Ready for a failure). */
export function attempted(v: RequestView): boolean {
  return (
    conditionOf(v, "Reconciling")?.reason === "RetryScheduled" ||
    conditionOf(v, "Stalled")?.status === "True" ||
    ["ReconcileFailed", "StateStoreUnavailable"].includes(conditionOf(v, "Ready")?.reason ?? "")
  );
}

/** A status that names the State Store as the reason it is not Ready (a retry scheduled, or a message). */
export function namesTheStore(v: RequestView): boolean {
  const texts = [v.status?.message ?? "", ...(v.status?.conditions ?? []).filter((c) => c.status !== "True" || c.type === "Reconciling").map((c) => c.message ?? "")];
  return texts.some((t) => /state ?store/i.test(t));
}

export interface OutageOptions {
  toolchain: Toolchain;
  outageSeconds: number;
  seed: number;
  log: (line: string) => void;
  cleanups: (() => Promise<void> | void)[];
  /** The service's log, when asked (PLINTH_RELIABILITY_SERVICE_LOG). */
  serviceLog?: (line: string) => void;
}

export async function gitOutageFigureRun(o: OutageOptions): Promise<Figure> {
  const r = rng(o.seed * 15485863 + 5);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plinth-outage-"));
  o.cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const git = await startGitServer();
  o.cleanups.push(() => git.stop());
  await git.createRepo("state");
  const proxy = await startCutProxy(git.port);
  o.cleanups.push(() => proxy.close());
  const names = Array.from({ length: 8 }, (_, i) => `out-${i}`);
  const platform = await LocalPlatform.start({ dataDir: path.join(dir, "data"), toolchain: o.toolchain, port: 0, host: "127.0.0.1" });
  o.cleanups.push(() => platform.stop());
  o.log("git_outage: platform up with a remote State Store behind a cuttable proxy (setup, not judged)");
  await platform.up({
    stateStores: [{ name: "default", url: `${proxy.origin}/git/state.git`, username: git.username, password: git.password, branch: "main", path: "" }],
    destinations: [{ name: "dev", labels: { env: "dev" } }],
    promises: [{ name: "namespace" }],
    teams: [{ name: "dev", namespaces: [NS, ...names] }],
  });
  const service = await platform.serve({ log: o.serviceLog ?? (() => undefined) });
  const token = platform.devToken;
  const get = (name: string) => call(platform.url, token, "GET", requestPath(NS, KIND, name));

  const expected = new Map<string, Expected>();
  /** Generation of each name's last write acknowledged during the outage (0 for a DELETE). */
  const duringOutage = new Map<string, number>();
  const refused: string[] = [];
  const write = async (op: "POST" | "PUT" | "DELETE", name: string, outage: boolean) => {
    const team = `g${Math.floor(r() * 1e6)}`;
    const reply =
      op === "POST" ? await call(platform.url, token, "POST", "/v1/requests", body(name, team))
      : op === "PUT" ? await call(platform.url, token, "PUT", requestPath(NS, KIND, name), body(name, team))
      : await call(platform.url, token, "DELETE", requestPath(NS, KIND, name));
    const next = acknowledged(op, reply.status, team);
    if (!next) return void refused.push(`${op} ${name} → ${reply.status || reply.error}: ${reply.text.slice(0, 200)}`);
    expected.set(name, next);
    if (outage) duringOutage.set(name, op === "DELETE" ? 0 : Number((reply.json as { generation?: number } | undefined)?.generation ?? 1));
  };

  // The burst: half the requests before the cut (their reconciles are under way when it comes) …
  for (const name of names.slice(0, 4)) await write("POST", name, false);
  await sleep(1000);
  const repo = new BareRepo(path.join(git.projectRoot, "state.git"), "main");
  const filesOf = (all: string[], name: string) => all.filter((f) => f.includes(`/resources/${NS}/namespace/${name}/`));
  const atCut = await repo.files();
  const cutAt = Date.now();
  proxy.set("reset");
  o.log(`git_outage: remote cut (connections reset) for ${o.outageSeconds / 2} s, then 503 for ${o.outageSeconds / 2} s`);
  // … and the rest during it: new requests, changes and a delete of the first ones.
  for (const name of names.slice(4)) await write("POST", name, true);
  await write("PUT", names[0], true);
  await write("PUT", names[1], true);
  await write("DELETE", names[2], true);

  const reported = new Set<string>();
  const falselyReady = new Set<string>();
  const tried = new Set<string>();
  while (Date.now() - cutAt < o.outageSeconds * 1000) {
    if (proxy.mode === "reset" && Date.now() - cutAt >= (o.outageSeconds * 1000) / 2) proxy.set("5xx");
    for (const name of names) {
      const reply = await get(name);
      const gen = duringOutage.get(name);
      if (reply.status === 404) {
        if (gen === 0 && filesOf(atCut, name).length) falselyReady.add(`${name}: gone during the outage, but its files could not have been removed from Git`);
        continue;
      }
      const v = reply.json as RequestView | undefined;
      if (reply.status !== 200 || !v) continue;
      const ready = conditionOf(v, "Ready")?.status === "True" && v.status.observedGeneration === v.metadata.generation;
      // A reconcile attempted and failed during the outage (one still queued has not met the store yet).
      if (attempted(v)) tried.add(name);
      if (namesTheStore(v)) reported.add(name);
      if (ready && gen !== undefined && gen > 0 && v.status.observedGeneration >= gen) falselyReady.add(`${name}: Ready at generation ${gen} during the outage: ${describeView(reply)}`);
    }
    await sleep(1000);
  }
  proxy.set("up");
  const backAt = Date.now();
  o.log(`git_outage: remote back (${proxy.counts.reset} connections reset, ${proxy.counts["5xx"]} answered 503); waiting until the service is idle`);
  await service.idle();
  const convergeSeconds = (Date.now() - backAt) / 1000;

  const files = await repo.files();
  const unconverged: string[] = [...refused.map((x) => `refused during the outage: ${x}`)];
  for (const name of names) {
    const want = expected.get(name);
    const reply = await get(name);
    const mine = filesOf(files, name);
    if (!want) continue;
    if (!want.exists) {
      if (reply.status !== 404) unconverged.push(`${name}: expected gone: ${describeView(reply)}`);
      else if (mine.length) unconverged.push(`${name}: gone but ${mine.length} file(s) left in Git`);
      continue;
    }
    const v = reply.json as RequestView | undefined;
    const ok = reply.status === 200 && v && v.spec.team === want.team && v.status.observedGeneration === v.metadata.generation && conditionOf(v, "Ready")?.status === "True";
    if (!ok) unconverged.push(`${name}: expected Ready with spec.team ${want.team}: ${describeView(reply)}`);
    else {
      const ns = mine.find((f) => f.endsWith("/namespace.yaml"));
      if (!ns || !(await repo.read(ns)).includes(want.team)) unconverged.push(`${name}: Ready, but Git's namespace.yaml does not carry spec.team ${want.team}`);
    }
  }
  try {
    await run("git", ["--git-dir", repo.gitDir, "fsck", "--strict", "--no-dangling"], { env: cleanGitEnv() });
  } catch (err) {
    unconverged.push(`git fsck of the State Store failed: ${String((err as { stderr?: string }).stderr ?? err).slice(0, 300)}`);
  }
  const affected = names.filter((n) => tried.has(n));
  const c: OutageCounts = {
    outageSeconds: o.outageSeconds,
    requests: affected.length,
    reported: affected.filter((n) => reported.has(n)).length,
    falselyReady: [...falselyReady],
    waiting: names.filter((n) => !tried.has(n) && expected.get(n)?.exists !== false).length,
    silent: affected.filter((n) => !reported.has(n)).map((n) => `${n}: not Ready during the outage, but no condition named the State Store`),
    unconverged,
    convergeSeconds,
  };
  return outageFigure(c);
}
