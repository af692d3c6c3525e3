/**
 * Test harness: a TCP proxy on 127.0.0.1 in front of a Git server that a test (or the reliability
 * suite's `git_outage`) can cut: `reset` drops
 * every open and new connection (the remote has gone away: ECONNRESET), `5xx` answers every HTTP request
 * `503 Service Unavailable` (a host up but failing), `up` forwards again.
 */
import * as net from "node:net";
import type { AddressInfo } from "node:net";

export type ProxyMode = "up" | "reset" | "5xx";

export interface CutProxy {
  /** `http://127.0.0.1:<port>` of the proxy. */
  origin: string;
  mode: ProxyMode;
  /** Connections accepted in each mode. */
  counts: Record<ProxyMode, number>;
  set(mode: ProxyMode): void;
  close(): Promise<void>;
}

const UNAVAILABLE = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 20\r\nConnection: close\r\n\r\ngit host unavailable";

export async function startCutProxy(targetPort: number): Promise<CutProxy> {
  const open = new Set<net.Socket>();
  const p: CutProxy = {
    origin: "",
    mode: "up",
    counts: { up: 0, reset: 0, "5xx": 0 },
    set(mode) {
      p.mode = mode;
      // Whatever was in flight is cut as well: a push half sent, a fetch half read.
      if (mode !== "up") for (const s of open) s.destroy();
    },
    close: () => new Promise<void>((r) => {
      for (const s of open) s.destroy();
      server.close(() => r());
    }),
  };
  const server = net.createServer((client) => {
    p.counts[p.mode]++;
    open.add(client);
    client.on("close", () => open.delete(client));
    client.on("error", () => undefined);
    if (p.mode === "reset") return void client.resetAndDestroy();
    if (p.mode === "5xx") {
      client.once("data", () => client.end(UNAVAILABLE));
      return;
    }
    const upstream = net.connect(targetPort, "127.0.0.1");
    open.add(upstream);
    upstream.on("close", () => {
      open.delete(upstream);
      client.destroy();
    });
    upstream.on("error", () => client.destroy());
    client.on("close", () => upstream.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  p.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return p;
}
