/** One HTTP server on loopback for everything the platform serves: Git (smart HTTP) and the API. */
import * as http from "node:http";
import type { AddressInfo } from "node:net";

/** Returns false when the request is not for it, so the next handler gets it. */
export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<boolean>;

export interface RunningServer {
  url: string;
  port: number;
  /** Handlers run in order; add more after start (e.g. the API once the platform is up). */
  handlers: Handler[];
  close(): Promise<void>;
}

export async function startHttpServer(opts: { host?: string; port: number; handlers?: Handler[] }): Promise<RunningServer> {
  const handlers = [...(opts.handlers ?? [])];
  const server = http.createServer((req, res) => {
    void (async () => {
      try {
        for (const h of handlers) if (await h(req, res)) return;
        res.writeHead(404, { "content-type": "application/json" });
        res.end(JSON.stringify({ code: "NotFound", message: `nothing is served at ${req.url}` }));
      } catch (err) {
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ code: "InternalError", message: (err as Error).message }));
      }
    })();
  });
  const host = opts.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    port,
    handlers,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
