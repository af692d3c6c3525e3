/**
 * request_to_commit_ms and burst100_s against a running platform (service in this process).
 *
 * A request's latency runs from just before its POST to the moment the commit holding all of its files
 * is on the State Store remote (the latest push among the commits its status lists, as seen by the
 * commit probe). The client-observed time (Ready seen over SSE) is reported next to it, as is the
 * server-side split: `stack init`, the engine `up`, and the rest (HTTP, queueing, status, SSE).
 */
import { submit, waitReady, type ApiClient, type WrittenFile } from "./client";
import type { CommitProbe, DurationProbe } from "./probes";
import { nowMs, percentile, round } from "./stats";

export interface Session {
  client: ApiClient;
  commits: CommitProbe;
  inits: DurationProbe;
  upMs(stack: string): number | undefined;
  /** Stack name of a request in namespace default. */
  stackOf(name: string): string;
}

export interface Timed {
  name: string;
  /** POST → commit with all its files pushed. */
  commitMs: number;
  /** POST → Ready seen by the client. */
  readyMs: number;
  stackInitMs?: number;
  upMs?: number;
  /** Time in `GitWriter.writeDirectory` (fetch, rebuild, commit, push) for this request's directories. */
  gitMs?: number;
  files: WrittenFile[];
}

/** The latest push time among the commits of `files`; throws when a file has no commit seen pushed. */
export function commitTime(name: string, files: WrittenFile[], pushedAt: (c: string) => number | undefined): number {
  if (files.length === 0) throw new Error(`${name} is Ready but its status lists no files`);
  let last = -Infinity;
  for (const f of files) {
    const t = f.commit ? pushedAt(f.commit) : undefined;
    if (t === undefined) throw new Error(`${name}: commit "${f.commit}" of ${f.path} was not seen pushed by this process`);
    last = Math.max(last, t);
  }
  return last;
}

async function one(s: Session, name: string, timeoutMs: number, t0 = nowMs()): Promise<Timed> {
  await submit(s.client, name);
  const ready = await waitReady(s.client, name, timeoutMs);
  return timed(s, name, ready, t0);
}

function timed(s: Session, name: string, ready: { readyAt: number; files: WrittenFile[] }, t0: number): Timed {
  const stack = s.stackOf(name);
  const git = s.commits.writeMs(`/${name}/`);
  return {
    name,
    commitMs: commitTime(name, ready.files, s.commits.pushedAt) - t0,
    readyMs: ready.readyAt - t0,
    stackInitMs: s.inits.of(stack),
    upMs: s.upMs(stack),
    gitMs: git.length ? git.reduce((a, b) => a + b, 0) : undefined,
    files: ready.files,
  };
}

const p = (xs: number[], q: number) => (xs.length ? round(percentile(xs, q)) : null);
const defined = (xs: (number | undefined)[]) => xs.filter((x): x is number => x !== undefined);

export interface SequentialResult {
  runs: Timed[];
  values: Record<string, unknown>;
}

/** `n` requests one after another, each waited for before the next. */
export async function sequential(s: Session, n: number, prefix = "seq", log = (_: string) => undefined as void): Promise<SequentialResult> {
  const runs: Timed[] = [];
  for (let i = 0; i < n; i++) {
    const r = await one(s, `${prefix}-${i}`, 120_000);
    runs.push(r);
    log(`  ${r.name}: commit ${Math.round(r.commitMs)} ms, ready seen ${Math.round(r.readyMs)} ms`);
  }
  const commit = runs.map((r) => r.commitMs);
  const ready = runs.map((r) => r.readyMs);
  const inits = defined(runs.map((r) => r.stackInitMs));
  const ups = defined(runs.map((r) => r.upMs));
  const gits = defined(runs.map((r) => r.gitMs));
  const rest = runs.filter((r) => r.stackInitMs !== undefined && r.upMs !== undefined).map((r) => r.readyMs - r.stackInitMs! - r.upMs!);
  return {
    runs,
    values: {
      p50: p(commit, 50),
      p95: p(commit, 95),
      n,
      ready_seen_p50: p(ready, 50),
      ready_seen_p95: p(ready, 95),
      stack_init_p50: p(inits, 50),
      up_p50: p(ups, 50),
      git_in_up_p50: p(gits, 50),
      other_p50: p(rest, 50),
    },
  };
}

export interface BurstResult {
  runs: Timed[];
  /** Submit → last request Ready (seen by the client), seconds. */
  seconds: number;
  values: Record<string, unknown>;
}

/** `n` requests submitted at once; wall time until every one is Ready. */
export async function burst(s: Session, n: number, prefix = "burst"): Promise<BurstResult> {
  const t0 = nowMs();
  let accepted = 0;
  const runs = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const name = `${prefix}-${i}`;
      await submit(s.client, name);
      accepted = Math.max(accepted, nowMs() - t0);
      return timed(s, name, await waitReady(s.client, name, 30 * 60_000), t0);
    }),
  );
  const seconds = Math.max(...runs.map((r) => r.readyMs)) / 1000;
  const ups = defined(runs.map((r) => r.upMs));
  const inits = defined(runs.map((r) => r.stackInitMs));
  const gits = defined(runs.map((r) => r.gitMs));
  return {
    runs,
    seconds,
    values: {
      n,
      all_accepted_s: round(accepted / 1000, 2),
      last_commit_s: round(Math.max(...runs.map((r) => r.commitMs)) / 1000, 2),
      per_request_s: round(seconds / n, 3),
      stack_init_p50: p(inits, 50),
      up_p50: p(ups, 50),
      git_in_up_p50: p(gits, 50),
    },
  };
}
