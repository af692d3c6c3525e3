/**
 * Who may call the in-process provider. The engine attaches to it over TCP on 127.0.0.1
 * (`PULUMI_DEBUG_PROVIDERS=plinth:<port>`: Pulumi dials `127.0.0.1:<port>` without credentials, so no
 * unix socket or token can be asked of it), so any local process could otherwise connect. Each call's
 * connection is traced to the process that owns its client socket (Linux: `/proc/net/tcp{,6}` → socket
 * inode → `/proc/<pid>/fd`) when it is accepted, and only the Pulumi CLI processes this process started
 * (`service/engine/processes.ts`) are served. Elsewhere (no `/proc`) every local caller is served.
 */
import * as fs from "node:fs";
import { isEngineProcess } from "../engine/processes";

/** `127.0.0.1:54321` → 54321 (grpc-js `call.getPeer()`). */
function peerPort(peer: string): number | undefined {
  const m = /:(\d+)$/.exec(peer);
  return m ? Number(m[1]) : undefined;
}

/** The inode of the client socket `peerPort` → `serverPort` on loopback, from /proc/net/tcp{,6}. */
function clientSocketInode(peer: number, server: number): string | undefined {
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(4, "0");
  const local = `:${hex(peer)}`;
  const remote = `:${hex(server)}`;
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = fs.readFileSync(table, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n")) {
      const f = line.trim().split(/\s+/);
      if (f.length > 9 && f[1].endsWith(local) && f[2].endsWith(remote)) return f[9];
    }
  }
  return undefined;
}

function owns(pid: number, inode: string): boolean {
  const want = `socket:[${inode}]`;
  let fds: string[];
  try {
    fds = fs.readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  for (const fd of fds) {
    try {
      if (fs.readlinkSync(`/proc/${pid}/fd/${fd}`) === want) return true;
    } catch {
      /* closed meanwhile */
    }
  }
  return false;
}

export interface PeerGuard {
  /** A connection from `remotePort` was accepted: decides once, for its lifetime, whether it is served. */
  connected(remotePort: number): void;
  /** The connection from `remotePort` closed (the port may be reused by another process afterwards). */
  closed(remotePort: number): void;
  /** Whether the caller at `peer` (as grpc-js reports it) may use the provider: its connection's verdict. */
  allows(peer: string): boolean;
}

/**
 * A guard for the provider listening on `serverPort`; `engines()` lists the pids that may call. The
 * process behind a connection is looked up once, when it is accepted (reading /proc/net/tcp costs
 * milliseconds on a busy machine; an engine run makes dozens of calls on one connection), and each call
 * is answered from its connection's verdict. A remote port names one live connection to this server, and
 * its verdict is dropped when that connection closes.
 */
export function enginePeerGuard(serverPort: () => number, engines: () => Iterable<number>): PeerGuard {
  const verdicts = new Map<number, boolean>();
  const procfs = fs.existsSync("/proc/net/tcp");
  const verify = (port: number): boolean => {
    const inode = clientSocketInode(port, serverPort());
    if (!inode || inode === "0") return false;
    for (const pid of engines()) if (isEngineProcess(pid) && owns(pid, inode)) return true;
    return false;
  };
  return {
    connected(port) {
      verdicts.set(port, !procfs || verify(port));
    },
    closed(port) {
      verdicts.delete(port);
    },
    allows(peer) {
      if (!procfs) return true;
      const port = peerPort(peer);
      return port !== undefined && verdicts.get(port) === true;
    },
  };
}
