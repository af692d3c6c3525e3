/** The suite's view of the platform: raw HTTP calls with a team's token, and the State Store's bare repo. */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { cleanGitEnv } from "../../components/state-store/bare-repo";

const run = promisify(execFile);

export interface Team {
  name: string;
  token: string;
  namespaces: string[];
}

export interface Reply {
  status: number;
  text: string;
  json?: unknown;
  /** Set when the request never got an answer (socket error, timeout). */
  error?: string;
}

/** One HTTP call; never throws (a transport error is a reply with `status` 0 and `error`). */
export async function call(base: string, token: string, method: string, path: string, body?: string, contentType = "application/json", timeoutMs = 60_000): Promise<Reply> {
  try {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": contentType }) },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON */
    }
    return { status: res.status, text, json };
  } catch (err) {
    return { status: 0, text: "", error: (err as Error).message };
  }
}

export const requestPath = (ns: string, kind: string, name: string) => `/v1/requests/${encodeURIComponent(ns)}/${encodeURIComponent(kind)}/${encodeURIComponent(name)}`;

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface RequestView {
  metadata: { name: string; namespace: string; generation: number; deletionTimestamp?: string; labels?: Record<string, string> };
  spec: Record<string, unknown>;
  status: { conditions: Condition[]; observedGeneration: number; files: { path: string; destination: string; commit: string }[]; message?: string };
}

export const conditionOf = (v: RequestView | undefined, type: string) => v?.status?.conditions?.find((c) => c.type === type);

/** The State Store as Git has it: a bare repository on this machine. */
export class BareRepo {
  constructor(readonly gitDir: string, readonly branch = "main") {}

  private async git(args: string[]): Promise<string> {
    const { stdout } = await run("git", ["--git-dir", this.gitDir, ...args], { env: cleanGitEnv(), maxBuffer: 256 << 20 });
    return stdout;
  }

  async head(): Promise<string> {
    try {
      return (await this.git(["rev-parse", `refs/heads/${this.branch}`])).trim();
    } catch {
      return "";
    }
  }

  async commitCount(): Promise<number> {
    const head = await this.head();
    return head ? Number((await this.git(["rev-list", "--count", head])).trim()) : 0;
  }

  /** Every file at the branch head. */
  async files(): Promise<string[]> {
    const head = await this.head();
    return head ? (await this.git(["ls-tree", "-r", "--name-only", head])).split("\n").filter(Boolean) : [];
  }

  async read(file: string): Promise<string> {
    return this.git(["show", `refs/heads/${this.branch}:${file}`]);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it answers a value other than undefined, or throws after `timeoutMs`. */
export async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s: ${what}`);
    await sleep(everyMs);
  }
}
