/**
 * Test harness: a real smart-HTTP Git server (git http-backend behind basic auth) on 127.0.0.1 with a
 * random port and its own temp directory, removed on stop().
 *
 *   const git = await startGitServer();
 *   const url = await git.createRepo("store");   // http://127.0.0.1:<port>/git/store.git
 *   ... new GitWriter({ url, auth: { username: git.username, password: git.password }, cacheDir })
 *   await git.stop();
 */
import { randomBytes, timingSafeEqual, createHash } from "node:crypto";
import * as fs from "node:fs/promises";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { createGitHttpHandler } from "../../components/state-store/git-http-backend";
import { initBareRepo } from "../../components/state-store/bare-repo";

export interface GitServer {
  /** `http://127.0.0.1:<port>/git/<name>.git` (no credentials in it). */
  url(name: string): string;
  port: number;
  projectRoot: string;
  /** Creates an empty bare repo (HEAD on `main`) and returns its URL. */
  createRepo(name: string, branch?: string): Promise<string>;
  username: string;
  password: string;
  /** Number of requests served so far (all paths, all statuses). */
  requests(): number;
  stop(): Promise<void>;
}

export interface StartGitServerOptions {
  username?: string;
  password?: string;
}

function digest(s: string): Buffer {
  return createHash("sha256").update(s, "utf8").digest();
}

export async function startGitServer(options: StartGitServerOptions = {}): Promise<GitServer> {
  const username = options.username ?? `u-${randomBytes(4).toString("hex")}`;
  const password = options.password ?? randomBytes(12).toString("base64url");
  const projectRoot = await fs.mkdtemp(path.join(os.tmpdir(), "plinth-git-"));
  const handler = createGitHttpHandler({
    projectRoot,
    prefix: "/git",
    authenticate: (u, p) => timingSafeEqual(digest(u), digest(username)) && timingSafeEqual(digest(p), digest(password)),
  });
  let count = 0;
  const server = http.createServer((req, res) => {
    count++;
    handler(req, res)
      .then((handled) => {
        if (!handled) {
          req.resume();
          res.writeHead(404, { "Content-Type": "text/plain" }).end("not found\n");
        }
      })
      .catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain" });
        res.end(`${err instanceof Error ? err.message : String(err)}\n`);
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = (name: string): string => `http://127.0.0.1:${port}/git/${name}.git`;
  return {
    url,
    port,
    projectRoot,
    username,
    password,
    requests: () => count,
    async createRepo(name: string, branch = "main") {
      await initBareRepo({ projectRoot, name, branch });
      return url(name);
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await fs.rm(projectRoot, { recursive: true, force: true });
    },
  };
}
