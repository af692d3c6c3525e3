/**
 * Where the time goes, observed from inside the bench process (the service runs in it). These wrap
 * methods of live instances only (nothing in the product changes) and are undone with `restore()`.
 *
 * - `commitProbe`: the moment each commit is on the remote — `GitWriter.writeDirectory` resolves only
 *   after the push that contains the directory succeeded.
 * - `stackInitProbe`: how long `stack init` (EngineWorkspace.createStack) took per request stack.
 * - `reconcileLog`: the service's `reconciled <stack> generation N in <ms> ms` lines (the `up` time).
 */
import { nowMs } from "./stats";

interface WriterLike {
  writeDirectory(args: { dir: string; files: Record<string, string> }): Promise<{ commit: string; changed: boolean }>;
}

export interface CommitProbe {
  /** nowMs() when `commit` was first reported pushed, or undefined when it never was. */
  pushedAt(commit: string): number | undefined;
  /** Milliseconds each `writeDirectory` call took, keyed by directory (the Git part of an `up`). */
  writeMs(dirPrefix: string): number[];
  count(): number;
  restore(): void;
}

export function commitProbe(writer: WriterLike): CommitProbe {
  const times = new Map<string, number>();
  const writes: { dir: string; ms: number }[] = [];
  const own = Object.prototype.hasOwnProperty.call(writer, "writeDirectory");
  const original = writer.writeDirectory;
  writer.writeDirectory = async function (this: WriterLike, args) {
    const t0 = nowMs();
    const r = await original.call(writer, args);
    const t = nowMs();
    writes.push({ dir: args.dir, ms: t - t0 });
    if (r.changed && r.commit && !times.has(r.commit)) times.set(r.commit, t);
    return r;
  };
  return {
    pushedAt: (c) => times.get(c),
    writeMs: (prefix) => writes.filter((w) => w.dir.includes(prefix)).map((w) => w.ms),
    count: () => times.size,
    restore() {
      if (own) writer.writeDirectory = original;
      else delete (writer as Partial<WriterLike>).writeDirectory;
    },
  };
}

interface WorkspaceLike {
  createStack(name: string, opts?: { signal?: AbortSignal }): Promise<unknown>;
}

export interface DurationProbe {
  /** Milliseconds recorded for `stack`, or undefined. */
  of(stack: string): number | undefined;
  all(): number[];
  restore(): void;
}

export function stackInitProbe(ws: WorkspaceLike): DurationProbe {
  const ms = new Map<string, number>();
  const own = Object.prototype.hasOwnProperty.call(ws, "createStack");
  const original = ws.createStack;
  ws.createStack = async function (name: string, opts?: { signal?: AbortSignal }) {
    const t0 = nowMs();
    try {
      return await original.call(ws, name, opts);
    } finally {
      ms.set(name, nowMs() - t0);
    }
  };
  return {
    of: (s) => ms.get(s),
    all: () => [...ms.values()],
    restore() {
      if (own) ws.createStack = original;
      else delete (ws as Partial<WorkspaceLike>).createStack;
    },
  };
}

const RECONCILED = /^reconciled (\S+) generation (\d+) in (\d+) ms$/;

/** Parses one service log line; answers the stack and its `up` duration for a reconcile line. */
export function parseReconciled(line: string): { stack: string; generation: number; ms: number } | undefined {
  const m = RECONCILED.exec(line.trim());
  return m ? { stack: m[1], generation: Number(m[2]), ms: Number(m[3]) } : undefined;
}

/** A `log` sink for `serve({ log })` that keeps `up` durations per stack and failure lines. */
export function reconcileLog(): { log(line: string): void; upMs(stack: string): number | undefined; failures: string[] } {
  const ms = new Map<string, number>();
  const failures: string[] = [];
  return {
    log(line) {
      const r = parseReconciled(line);
      if (r) ms.set(r.stack, r.ms);
      else if (/^reconcile of \S+ failed/.test(line.trim())) failures.push(line.trim());
    },
    upMs: (s) => ms.get(s),
    failures,
  };
}
