/**
 * One server on loopback for everything the platform serves: Git (smart HTTP) and the API. Given a
 * certificate it also speaks TLS on the same port (the first byte of a connection tells a TLS handshake
 * from plain HTTP): kubectl sends bearer tokens only over TLS.
 */
import * as http from "node:http";
import * as https from "node:https";
import * as net from "node:net";
import type { AddressInfo } from "node:net";

/** Returns false when the request is not for it, so the next handler gets it. */
export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<boolean>;

export interface RunningServer {
  url: string;
  /** The same server over TLS, when started with a certificate. */
  httpsUrl?: string;
  port: number;
  /** Handlers run in order; add more after start (e.g. the API once the platform is up). */
  handlers: Handler[];
  close(): Promise<void>;
}

export async function startHttpServer(opts: { host?: string; port: number; handlers?: Handler[]; tls?: { key: string; cert: string } }): Promise<RunningServer> {
  const handlers = [...(opts.handlers ?? [])];
  const listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
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
  };
  const plain = http.createServer(listener);
  const secure = opts.tls ? https.createServer({ key: opts.tls.key, cert: opts.tls.cert }, listener) : undefined;
  const sockets = new Set<net.Socket>();
  const server: net.Server = secure
    ? net.createServer((socket) => {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
        socket.once("data", (first) => {
          socket.pause();
          socket.unshift(first);
          (first[0] === 0x16 ? secure : plain).emit("connection", socket);
          process.nextTick(() => socket.resume());
        });
      })
    : plain;
  const host = opts.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    ...(secure ? { httpsUrl: `https://${host}:${port}` } : {}),
    port,
    handlers,
    close: () =>
      new Promise<void>((resolve) => {
        plain.closeAllConnections?.();
        secure?.closeAllConnections?.();
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
