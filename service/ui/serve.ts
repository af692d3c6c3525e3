/**
 * Serves the built web portal at `/ui/` on the API's port (same origin as the API). Hash routes keep
 * every page at `/ui/`; only the bundle's files are served, with a strict Content-Security-Policy.
 */
import * as fs from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import * as path from "node:path";
import { UI_DIST_DIR } from "./build";

const TYPES: Record<string, string> = {
  "index.html": "text/html; charset=utf-8",
  "app.js": "text/javascript; charset=utf-8",
  "style.css": "text/css; charset=utf-8",
};

export const PORTAL_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

function send(res: ServerResponse, status: number, type: string, body: Buffer | string, extra: Record<string, string> = {}): void {
  res.writeHead(status, {
    "Content-Type": type,
    "Content-Length": String(Buffer.byteLength(body)),
    "Cache-Control": "no-cache",
    "Content-Security-Policy": PORTAL_CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    ...extra,
  });
  res.end(body);
}

/** A handler for the platform's HTTP server: answers false for paths outside `/ui`. */
export function createUiHandler(opts: { distDir?: string } = {}): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const dist = opts.distDir ?? UI_DIST_DIR;
  return async (req, res) => {
    const pathname = new URL(req.url ?? "/", "http://x").pathname;
    if (pathname !== "/ui" && !pathname.startsWith("/ui/")) return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      send(res, 405, "text/plain; charset=utf-8", "the portal's pages are read with GET\n", { Allow: "GET, HEAD" });
      return true;
    }
    if (pathname === "/ui") {
      res.writeHead(308, { Location: "/ui/" });
      res.end();
      return true;
    }
    const name = pathname.slice("/ui/".length) || "index.html";
    const type = TYPES[name];
    if (!type) {
      send(res, 404, "text/plain; charset=utf-8", `no portal file ${pathname}: open /ui/\n`);
      return true;
    }
    const file = path.join(dist, name);
    if (!fs.existsSync(file)) {
      send(res, 503, "text/plain; charset=utf-8", "the web portal is not built: run `npm ci` (or `npx tsx service/ui/build.ts`)\n");
      return true;
    }
    send(res, 200, type, fs.readFileSync(file));
    return true;
  };
}
