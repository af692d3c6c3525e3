/**
 * Smart-HTTP Git for Node's http server: every request under `prefix` is handed to git's own
 * `git http-backend` CGI program (one process per request), so clients get exactly what any Git host
 * serves. Optional HTTP basic auth; gzip-encoded request bodies are inflated here.
 */
import { spawn } from "node:child_process";
import * as crypto from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import * as zlib from "node:zlib";
import type { Readable } from "node:stream";
import { parseCgiHead, splitCgiHead } from "./cgi";

export const DEFAULT_GIT_HTTP_BACKEND = "/usr/lib/git-core/git-http-backend";

export interface GitHttpHandlerOptions {
  /** Directory holding the bare repositories (`<name>.git`). */
  projectRoot: string;
  /** URL path prefix the handler serves, e.g. "/git" → `/git/<name>.git/info/refs`. */
  prefix?: string;
  /**
   * Basic-auth check. When given, every request must carry valid credentials or gets 401. `"read"`
   * admits a read-only user: fetches and clones work, a push (`git-receive-pack`) is answered 403.
   */
  authenticate?: (username: string, password: string) => boolean | "read" | "write" | Promise<boolean | "read" | "write">;
  /** Realm named in the 401 challenge. */
  realm?: string;
  /** Path of git's CGI program. */
  backendPath?: string;
}

/** Serves the request and resolves true, or resolves false at once when the path is not under the prefix. */
export type GitHttpHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/**
 * Compares two secrets in constant time: both are hashed to equal-length SHA-256 digests first, so
 * neither the content nor the length of the expected one leaks through timing.
 */
export function sameSecret(given: string, expected: string): boolean {
  const a = crypto.createHash("sha256").update(given, "utf8").digest();
  const b = crypto.createHash("sha256").update(expected, "utf8").digest();
  return crypto.timingSafeEqual(a, b);
}

/** Whether a smart-HTTP request is (the start of) a push. */
export function isPush(pathInfo: string, query: URLSearchParams): boolean {
  return pathInfo.endsWith("/git-receive-pack") || (pathInfo.endsWith("/info/refs") && query.get("service") === "git-receive-pack");
}

/** Decodes an `Authorization: Basic …` header into username and password. */
export function parseBasicAuth(header: string | undefined): { username: string; password: string } | undefined {
  if (!header) return undefined;
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m) return undefined;
  const decoded = Buffer.from(m[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function normalizePrefix(prefix: string): string {
  const p = "/" + prefix.replace(/^\/+|\/+$/g, "");
  return p === "/" ? "" : p;
}

function plain(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-cache", ...headers });
  res.end(text + "\n");
}

/** Creates the handler; mount it on any `http.Server` (call it first and fall through when it returns false). */
export function createGitHttpHandler(options: GitHttpHandlerOptions): GitHttpHandler {
  const prefix = normalizePrefix(options.prefix ?? "/git");
  const backend = options.backendPath ?? DEFAULT_GIT_HTTP_BACKEND;
  const realm = options.realm ?? "plinth";

  return async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const pathname = url.pathname;
    if (!(pathname === prefix || pathname.startsWith(prefix + "/"))) return false;

    let pathInfo: string;
    try {
      pathInfo = decodeURIComponent(pathname.slice(prefix.length)) || "/";
    } catch {
      req.resume();
      plain(res, 400, "malformed path");
      return true;
    }
    if (pathInfo.split("/").some((s) => s === ".." || s === ".") || pathInfo.includes("\0")) {
      req.resume();
      plain(res, 404, "not found");
      return true;
    }

    let remoteUser: string | undefined;
    if (options.authenticate) {
      const creds = parseBasicAuth(req.headers.authorization);
      const ok = creds ? await options.authenticate(creds.username, creds.password) : false;
      if (!ok || !creds) {
        req.resume();
        plain(res, 401, "authentication required", { "WWW-Authenticate": `Basic realm="${realm}"` });
        return true;
      }
      remoteUser = creds.username;
      if (ok === "read" && isPush(pathInfo, url.searchParams)) {
        req.resume();
        plain(res, 403, `user "${creds.username}" may only read this repository; push with the platform's own credentials`);
        return true;
      }
    }

    const encoding = String(req.headers["content-encoding"] ?? "").toLowerCase();
    let body: Readable = req;
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      GIT_PROJECT_ROOT: options.projectRoot,
      GIT_HTTP_EXPORT_ALL: "1",
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
      GATEWAY_INTERFACE: "CGI/1.1",
      SERVER_SOFTWARE: "plinth-git-http",
      SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
      REQUEST_METHOD: req.method ?? "GET",
      PATH_INFO: pathInfo,
      QUERY_STRING: url.search.replace(/^\?/, ""),
      REMOTE_ADDR: req.socket.remoteAddress ?? "",
    };
    if (req.headers["content-type"]) env.CONTENT_TYPE = req.headers["content-type"];
    if (encoding === "gzip" || encoding === "x-gzip") {
      body = req.pipe(zlib.createGunzip()); // length unknown after inflating: the CGI reads to EOF
    } else if (encoding && encoding !== "identity") {
      req.resume();
      plain(res, 415, `unsupported Content-Encoding ${encoding}`);
      return true;
    } else if (req.headers["content-length"]) {
      env.CONTENT_LENGTH = req.headers["content-length"];
    }
    if (remoteUser !== undefined) {
      env.REMOTE_USER = remoteUser;
      env.AUTH_TYPE = "Basic";
    }
    const gitProtocol = req.headers["git-protocol"];
    if (typeof gitProtocol === "string") env.HTTP_GIT_PROTOCOL = gitProtocol;

    await runCgi(backend, env, body, res);
    return true;
  };
}

function runCgi(backend: string, env: NodeJS.ProcessEnv, body: Readable, res: ServerResponse): Promise<void> {
  return new Promise<void>((resolve) => {
    const child = spawn(backend, [], { env, stdio: ["pipe", "pipe", "pipe"] });
    let headDone = false;
    let pending = Buffer.alloc(0);
    let stderr = "";
    let settled = false;
    const finish = (): void => {
      if (!settled) {
        settled = true;
        resolve();
      }
    };
    const fail = (status: number, text: string): void => {
      if (!res.headersSent) plain(res, status, text);
      else res.destroy();
      finish();
    };

    child.on("error", (err) => fail(500, `git http-backend could not start: ${err.message}`));
    child.stdin.on("error", () => undefined); // the CGI may exit before reading everything (e.g. 4xx)
    body.on("error", () => {
      child.kill("SIGTERM");
      fail(400, "request body could not be read (bad gzip?)");
    });
    body.pipe(child.stdin);
    child.stderr.on("data", (c: Buffer) => {
      if (stderr.length < 4096) stderr += c.toString("utf8");
    });
    res.on("close", () => {
      if (!res.writableFinished && child.exitCode === null) child.kill("SIGTERM");
    });

    const onData = (chunk: Buffer): void => {
      pending = Buffer.concat([pending, chunk]);
      const split = splitCgiHead(pending);
      if (!split) return;
      headDone = true;
      const head = parseCgiHead(split.headText);
      res.statusCode = head.status;
      if (head.statusText) res.statusMessage = head.statusText;
      for (const [name, value] of head.headers) res.appendHeader(name, value);
      const rest = pending.subarray(split.bodyStart);
      pending = Buffer.alloc(0);
      child.stdout.off("data", onData);
      if (rest.length) res.write(rest);
      child.stdout.pipe(res);
    };
    child.stdout.on("data", onData);
    child.stdout.on("end", () => {
      if (!headDone) {
        const why = stderr.trim().split("\n").pop() ?? "no output";
        fail(500, `git http-backend produced no response: ${why}`);
      }
    });
    child.on("close", () => {
      if (headDone && !res.writableEnded) res.end();
      if (res.writableFinished || !headDone) finish();
      else res.once("finish", finish).once("close", finish);
    });
  });
}
