import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as net from "node:net";
import { enginePeerGuard } from "../../../service/provider/peer";
import { engineExited, engineStarted } from "../../../service/engine/processes";

const linux = fs.existsSync("/proc/net/tcp");

describe("provider peer guard: one verdict per connection", { skip: !linux && "needs /proc" }, () => {
  let server: net.Server;
  let port = 0;
  const accepted: net.Socket[] = [];
  before(async () => {
    server = net.createServer((s) => accepted.push(s));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as net.AddressInfo).port;
  });
  after(() => {
    for (const s of accepted) s.destroy();
    server.close();
  });

  const connect = () =>
    new Promise<net.Socket>((resolve) => {
      const c = net.connect(port, "127.0.0.1", () => resolve(c));
    });

  test("a connection of a registered engine process is served until it closes; its port's verdict does not outlive it", async () => {
    const guard = enginePeerGuard(() => port, () => [process.pid]);
    engineStarted(process.pid);
    try {
      const c = await connect();
      const peer = `127.0.0.1:${c.localPort}`;
      guard.connected(c.localPort!);
      assert.equal(guard.allows(peer), true);
      guard.closed(c.localPort!);
      assert.equal(guard.allows(peer), false, "a later connection on the same port is judged again");
      c.destroy();
    } finally {
      engineExited(process.pid);
    }
  });

  test("a connection from a process that is not one of this process's engine runs is refused, and stays refused", async () => {
    const guard = enginePeerGuard(() => port, () => [process.pid]);
    const c = await connect();
    guard.connected(c.localPort!);
    engineStarted(process.pid); // registered only after the connection was judged
    try {
      assert.equal(guard.allows(`127.0.0.1:${c.localPort}`), false);
      assert.equal(guard.allows("127.0.0.1:1"), false, "a port never accepted");
    } finally {
      engineExited(process.pid);
      c.destroy();
    }
  });
});
