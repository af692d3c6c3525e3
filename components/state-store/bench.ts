/**
 * Commit latency of GitWriter as a function of repository size. Builds a repository holding
 * `existingDirs` placement directories directly with isomorphic-git's object API (one commit, trees
 * built bottom-up), serves it with git http-backend on loopback, then times `samples` single-directory
 * writes through a GitWriter (fetch + tree rebuild + commit + push each).
 *
 *   npx tsx components/state-store/bench.ts 10000 15
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import * as git from "isomorphic-git";
import { cleanGitEnv, initBareRepo } from "./bare-repo";
import { createGitHttpHandler } from "./git-http-backend";
import { shortId } from "./layout";
import { GitWriter } from "./writer";

const run = promisify(execFile);

export interface CommitLatency {
  medianMs: number;
  /** Each timed write, in milliseconds, in the order taken. */
  samples: number[];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

type Entry = git.TreeEntry;
const tree = (path: string, oid: string): Entry => ({ mode: "040000", path, oid, type: "tree" });

/**
 * Writes `count` placement dirs `dev/resources/ns-<k>/app/r-<i>/configure/<id>/cm.yaml` (about √count
 * namespaces of √count requests each, like a real store) and returns the root tree id.
 */
export async function buildPlacementTree(gitdir: string, count: number): Promise<string> {
  const perNs = Math.max(1, Math.ceil(Math.sqrt(count)));
  const nsEntries: Entry[] = [];
  for (let start = 0, k = 0; start < count; start += perNs, k++) {
    const indexes = Array.from({ length: Math.min(count, start + perNs) - start }, (_, j) => start + j);
    const names = await Promise.all(
      indexes.map(async (i) => {
        const blob = await git.writeBlob({ fs, gitdir, blob: Buffer.from(`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: r-${i}\n`) });
        const idTree = await git.writeTree({ fs, gitdir, tree: [{ mode: "100644", path: "cm.yaml", oid: blob, type: "blob" }] });
        const pipeline = await git.writeTree({ fs, gitdir, tree: [tree(shortId(`r-${i}`), idTree)] });
        return tree(`r-${i}`, await git.writeTree({ fs, gitdir, tree: [tree("configure", pipeline)] }));
      }),
    );
    const promise = await git.writeTree({ fs, gitdir, tree: names });
    const ns = await git.writeTree({ fs, gitdir, tree: [tree("app", promise)] });
    nsEntries.push(tree(`ns-${k}`, ns));
  }
  const resources = await git.writeTree({ fs, gitdir, tree: nsEntries });
  const dev = await git.writeTree({ fs, gitdir, tree: [tree("resources", resources)] });
  return git.writeTree({ fs, gitdir, tree: [tree("dev", dev)] });
}

export async function measureCommitLatency(args: { existingDirs: number; samples: number }): Promise<CommitLatency> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "plinth-bench-"));
  const projectRoot = path.join(root, "srv");
  const cacheDir = path.join(root, "cache");
  fs.mkdirSync(projectRoot);
  const handler = createGitHttpHandler({ projectRoot, authenticate: (u, p) => u === "bench" && p === "bench" });
  const server = http.createServer((req, res) => void handler(req, res));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/git/bench.git`;
    await initBareRepo({ projectRoot, name: "bench" });
    if (args.existingDirs > 0) {
      await git.init({ fs, gitdir: cacheDir, bare: true, defaultBranch: "main" });
      const treeOid = await buildPlacementTree(cacheDir, args.existingDirs);
      const who = { name: "bench", email: "bench@localhost", timestamp: Math.floor(Date.now() / 1000), timezoneOffset: 0 };
      const commit = await git.writeCommit({ fs, gitdir: cacheDir, commit: { message: "seed\n", tree: treeOid, parent: [], author: who, committer: who } });
      await git.writeRef({ fs, gitdir: cacheDir, ref: "refs/heads/main", value: commit, force: true });
      // Seed the remote with the git CLI (one pack); the writer then starts from this warm cache.
      const authed = url.replace("http://", "http://bench:bench@");
      await run("git", ["--git-dir", cacheDir, "push", "--quiet", authed, "main"], { env: cleanGitEnv(), maxBuffer: 16 << 20 });
    }
    const writer = new GitWriter({ url, cacheDir, auth: { username: "bench", password: "bench" } });
    await writer.writeDirectory({ dir: "dev/resources/ns-0/app/warm-up/configure/00000", files: { "cm.yaml": "warm\n" } });
    const samples: number[] = [];
    for (let i = 0; i < args.samples; i++) {
      const dir = `dev/resources/ns-${i % 7}/app/bench-${i}/configure/${shortId(`bench-${i}`)}`;
      const t0 = process.hrtime.bigint();
      const r = await writer.writeDirectory({ dir, files: { "cm.yaml": `kind: ConfigMap\nsample: ${i}\n`, "kustomization.yaml": "resources: [cm.yaml]\n" } });
      samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (!r.changed) throw new Error(`bench write ${i} made no commit`);
    }
    return { medianMs: median(samples), samples };
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    fs.rmSync(root, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const existingDirs = Number(process.argv[2] ?? 10000);
  const samples = Number(process.argv[3] ?? 15);
  const t0 = Date.now();
  measureCommitLatency({ existingDirs, samples }).then(
    (r) => console.log(JSON.stringify({ existingDirs, medianMs: Math.round(r.medianMs * 10) / 10, samples: r.samples.map((s) => Math.round(s)), totalMs: Date.now() - t0 })),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
