/**
 * Shared mode for real: one embedded Postgres, one `git http-backend` remote State Store, one transit key
 * service (the `hashivault://plinth` secrets provider every replica shares, as a KMS would be) and N
 * replica processes of `npm start`'s program (`stacks/start.ts`) on random 127.0.0.1 ports, configured
 * the way PlinthService configures them (PLINTH_DATABASE_URL, PLINTH_CONFIG as JSON, PLINTH_TEAMS,
 * PLINTH_SECRETS_PROVIDER). Used by the e2e test and the bench (`replicas_burst100_s`, `failover_s`).
 */
import { execFileSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import pg from "pg";
import { createTransitHandler } from "../../../stacks/local-platform/transit";
import { outcomeOf } from "../../../service/http/readiness";
import { startGitServer, type GitServer } from "../git-server";
import { startPostgres, type TestPostgres } from "../postgres";
import { spawnStart, type StartedPlatform } from "../start";

export const KIND = "TeamNamespace";

export interface Replica {
  index: number;
  dataDir: string;
  platform?: StartedPlatform;
  url?: string;
}

export interface RequestState {
  name: string;
  outcome?: string;
  message?: string;
  files: { path: string; commit: string }[];
}

export interface SharedPlatform {
  postgres: TestPostgres;
  git: GitServer;
  databaseUrl: string;
  storeUrl: string;
  token: string;
  replicas: Replica[];
  /** Starts (or restarts) replica `i`; resolves when it serves. */
  start(i: number): Promise<Replica>;
  /** SIGKILLs replica `i`'s process group (the replica and its CLI children). */
  kill(i: number): Promise<void>;
  /** SIGTERM to replica `i`; resolves with its exit code. */
  terminate(i: number): Promise<number | null>;
  /** POSTs request `name` to replica `i` until it is acknowledged (202; 503 during an outage is retried). */
  submit(i: number, name: string, timeoutMs?: number): Promise<void>;
  /** Every request of namespace default, by name, as replica `i` lists them. */
  list(i: number): Promise<Map<string, RequestState>>;
  /** Waits until all `names` are Ready (or one Stalled: throws) on some live replica. */
  waitReady(names: readonly string[], timeoutMs: number): Promise<Map<string, RequestState>>;
  /** `/readyz` status code of replica `i` (0: no answer). */
  readyz(i: number): Promise<number>;
  /** Path → commits that touched it, over the State Store's whole history. */
  commitsByPath(): Map<string, string[]>;
  /** Stack lock rows left in the Pulumi state table. */
  lockRows(): Promise<number>;
  /** The stack lock rows now: stack name and the pid of the CLI holding it. */
  locks(): Promise<{ stack: string; pid: number }[]>;
  /** Stacks replica `i` is reconciling now: its CLI children (its process group) hold their locks. */
  inFlight(i: number): Promise<string[]>;
  stop(): Promise<void>;
}

export function requestBody(name: string): Record<string, unknown> {
  return { apiVersion: "plinth.dev/v1alpha1", kind: KIND, metadata: { name, namespace: "default" }, spec: { team: "e2e" } };
}

async function startTransit(key: Buffer, token: string): Promise<{ url: string; close: () => Promise<void> }> {
  const handler = createTransitHandler({ key, token, prefix: "/vault" });
  const server = http.createServer((req, res) => {
    handler(req, res).then(
      (handled) => void (handled || res.writeHead(404).end()),
      () => void res.writeHead(500).end(),
    );
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/vault`,
    close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The process group of `pid` (field 5 of /proc/<pid>/stat), or undefined when it is gone. */
export function processGroupOf(pid: number): number | undefined {
  try {
    return Number(fs.readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "").split(" ")[2]);
  } catch {
    return undefined;
  }
}

export async function startSharedPlatform(opts: { replicas: number; concurrency?: number; env?: Record<string, string> }): Promise<SharedPlatform> {
  const [postgres, git] = await Promise.all([startPostgres(), startGitServer()]);
  const databaseUrl = await postgres.database("plinth");
  const storeUrl = await git.createRepo("state");
  const vaultToken = crypto.randomBytes(16).toString("hex");
  const transit = await startTransit(crypto.randomBytes(32), vaultToken);
  const token = crypto.randomBytes(24).toString("base64url");
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "plinth-shared-"));
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  pool.on("error", () => undefined);
  const config = {
    stateStores: [{ name: "default", url: storeUrl, branch: "main", path: "", username: git.username, password: git.password }],
    destinations: [
      { name: "dev", labels: { env: "dev" } },
      { name: "platform", kind: "platform", labels: { environment: "platform" } },
    ],
    promises: [{ name: "namespace" }],
  };
  const env: Record<string, string> = {
    PLINTH_DATABASE_URL: databaseUrl,
    PLINTH_SECRETS_PROVIDER: "hashivault://plinth",
    VAULT_ADDR: transit.url,
    VAULT_TOKEN: vaultToken,
    PLINTH_CONFIG: JSON.stringify(config),
    PLINTH_TEAMS: JSON.stringify([{ name: "e2e", namespaces: ["*"], token }]),
    PLINTH_STACK: "e2e",
    PLINTH_LOG_FORMAT: "json",
    ...(opts.concurrency ? { PLINTH_CONCURRENCY: String(opts.concurrency) } : {}),
    ...opts.env,
  };
  const replicas: Replica[] = Array.from({ length: opts.replicas }, (_, index) => ({ index, dataDir: path.join(root, `replica-${index}`) }));
  const auth = { authorization: `Bearer ${token}` };
  const live = () => replicas.filter((r) => r.url);

  const p: SharedPlatform = {
    postgres,
    git,
    databaseUrl,
    storeUrl,
    token,
    replicas,
    async start(i) {
      const r = replicas[i];
      fs.mkdirSync(r.dataDir, { recursive: true });
      r.platform = await spawnStart(r.dataDir, [], env);
      r.url = r.platform.url;
      return r;
    },
    async kill(i) {
      const r = replicas[i];
      if (!r.platform) return;
      try {
        process.kill(-r.platform.child.pid!, "SIGKILL");
      } catch {
        /* gone */
      }
      await r.platform.exited;
      r.url = undefined;
    },
    async terminate(i) {
      const r = replicas[i];
      r.platform!.child.kill("SIGTERM");
      const code = await r.platform!.exited;
      r.url = undefined;
      return code;
    },
    async submit(i, name, timeoutMs = 120_000) {
      const t0 = Date.now();
      for (let attempt = 0; ; attempt++) {
        const url = replicas[i].url ?? live()[0]?.url;
        try {
          const res = await fetch(`${url}/v1/requests`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify(requestBody(name)) });
          const text = await res.text();
          if (res.status === 202 || res.status === 201) return;
          // A retry of a POST whose answer was lost (its replica died, the database went away) that had landed.
          if (res.status === 409 && attempt > 0) return;
          if (res.status !== 503 && res.status !== 500) throw new Error(`POST ${name}: ${res.status}: ${text.slice(0, 500)}`);
        } catch (err) {
          if (/POST /.test((err as Error).message)) throw err;
        }
        if (Date.now() - t0 > timeoutMs) throw new Error(`POST ${name} not acknowledged within ${timeoutMs} ms`);
        await sleep(500);
      }
    },
    async list(i) {
      const res = await fetch(`${replicas[i].url}/v1/requests?namespace=default`, { headers: auth });
      if (res.status !== 200) throw new Error(`GET /v1/requests: ${res.status}: ${(await res.text()).slice(0, 300)}`);
      const body = (await res.json()) as { items?: unknown[] } | unknown[];
      const items = (Array.isArray(body) ? body : (body.items ?? [])) as { metadata: { name: string }; status?: { files?: RequestState["files"]; message?: string } }[];
      return new Map(items.map((o) => [o.metadata.name, { name: o.metadata.name, outcome: outcomeOf(o.status as never), message: o.status?.message, files: o.status?.files ?? [] }]));
    },
    async waitReady(names, timeoutMs) {
      const t0 = Date.now();
      let last = new Map<string, RequestState>();
      for (;;) {
        for (const r of live()) {
          try {
            last = await p.list(r.index);
            break;
          } catch {
            /* this replica cannot answer now (an outage): ask another */
          }
        }
        const stalled = names.map((n) => last.get(n)).find((s) => s?.outcome === "stalled");
        if (stalled) throw new Error(`${stalled.name} stalled: ${stalled.message}`);
        const pending = names.filter((n) => last.get(n)?.outcome !== "ready");
        if (pending.length === 0) return last;
        if (Date.now() - t0 > timeoutMs) throw new Error(`${pending.length} of ${names.length} not Ready within ${timeoutMs} ms, e.g. ${pending.slice(0, 5).join(", ")}`);
        await sleep(1000);
      }
    },
    async readyz(i) {
      try {
        const res = await fetch(`${replicas[i].url}/readyz`, { signal: AbortSignal.timeout(5000) });
        await res.arrayBuffer();
        return res.status;
      } catch {
        return 0;
      }
    },
    commitsByPath() {
      const out = execFileSync("git", ["--git-dir", path.join(git.projectRoot, "state.git"), "log", "--format=@%H", "--name-only", "main"], { encoding: "utf8", maxBuffer: 64 << 20 });
      const by = new Map<string, string[]>();
      let commit = "";
      for (const line of out.split("\n")) {
        if (line.startsWith("@")) commit = line.slice(1);
        else if (line.trim()) by.set(line.trim(), [...(by.get(line.trim()) ?? []), commit]);
      }
      return by;
    },
    async lockRows() {
      const res = await pool.query("SELECT count(*)::int AS n FROM pulumi_state WHERE key LIKE '%.pulumi/locks/%'");
      return (res.rows[0] as { n: number }).n;
    },
    async locks() {
      const res = await pool.query<{ key: string; data: { data?: string } }>("SELECT key, data FROM pulumi_state WHERE key LIKE '%.pulumi/locks/%'");
      return res.rows.map((r) => ({ stack: r.key.split("/").at(-2)!, pid: (JSON.parse(Buffer.from(r.data.data ?? "", "base64").toString("utf8") || "{}") as { pid: number }).pid }));
    },
    async inFlight(i) {
      const group = replicas[i].platform?.child.pid;
      return (await p.locks()).filter((l) => group !== undefined && processGroupOf(l.pid) === group).map((l) => l.stack);
    },
    async stop() {
      for (const r of replicas) await p.kill(r.index);
      await pool.end().catch(() => undefined);
      await transit.close();
      await postgres.stop();
      await git.stop();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
  return p;
}
