import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as net from "node:net";
import { ConflictError } from "../../../components/errors";
import { startFailure } from "../../../stacks/start-failure";
import { runStartToExit } from "../../support/start";

const ctx = { port: 8080, host: "127.0.0.1", dataDir: "/srv/plinth" };

describe("npm start: a start-up failure is one line with the fix", () => {
  test("known causes name their fix; a Plinth error keeps its code; anything else keeps its stack", () => {
    const inUse = Object.assign(new Error("listen EADDRINUSE: address already in use 127.0.0.1:8080"), { code: "EADDRINUSE", syscall: "listen" });
    assert.equal(
      startFailure(inUse, ctx),
      "plinth: port 8080 on 127.0.0.1 is already in use (is another `npm start` running?): stop it, or pick a free port with PLINTH_PORT (e.g. PLINTH_PORT=8081 npm start)",
    );
    assert.match(startFailure(Object.assign(new Error("x"), { code: "EACCES", syscall: "listen" }), { ...ctx, port: 80 }), /^plinth: not allowed to listen on port 80: .*PLINTH_PORT/);
    assert.match(startFailure(Object.assign(new Error("x"), { code: "EACCES", path: "/srv/plinth/token" }), ctx), /^plinth: cannot write \/srv\/plinth\/token \(EACCES\): .*PLINTH_DATA_DIR/);
    assert.equal(startFailure(new ConflictError("stack local is locked", undefined, "StackLocked"), ctx), "plinth: StackLocked: stack local is locked");
    const bug = startFailure(new TypeError("x is not a function"), ctx);
    assert.match(bug, /^plinth: TypeError: x is not a function\n\s+at /);
    for (const line of [startFailure(inUse, ctx)]) assert.doesNotMatch(line, /\n/);
  });

  test("a second start on a taken port exits 1 with that one line (stacks/start.ts for real)", async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      // As on a terminal (the pretty log); piped, the same line is a JSON log line's `msg`.
      const { code, stdout, stderr } = await runStartToExit({ PLINTH_PORT: String(port) });
      assert.equal(code, 1, stderr);
      assert.equal(stdout, "");
      const lines = stderr.trimEnd().split("\n");
      assert.equal(lines.at(-1), `ERROR plinth: port ${port} on 127.0.0.1 is already in use (is another \`npm start\` running?): stop it, or pick a free port with PLINTH_PORT (e.g. PLINTH_PORT=${port + 1} npm start)`);
      assert.doesNotMatch(stderr, /^\s+at /m, "no stack trace");
    } finally {
      blocker.close();
    }
  });
});
