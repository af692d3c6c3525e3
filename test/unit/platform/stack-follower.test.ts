/** The platform-stack follower: one reload per update another process finished, none for our own. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { StackFollower, historyDir, latestUpdate } from "../../../stacks/local-platform/stack-follower";

function backend(): { dir: string; add: (ts: number | string) => void } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "plinth-follow-"));
  const dir = historyDir(root, "plinth", "local");
  return {
    dir,
    add: (ts) => {
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, `local-${ts}.history.json`), "{}");
      fs.writeFileSync(path.join(dir, `local-${ts}.checkpoint.json`), "{}");
    },
  };
}

describe("StackFollower", () => {
  test("the history directory of a file:// backend, and its newest update by timestamp", () => {
    assert.equal(historyDir("/b", "plinth", "local"), "/b/.pulumi/history/plinth/local");
    const b = backend();
    assert.equal(latestUpdate(b.dir), undefined, "no history yet");
    b.add("1700000000000000000");
    b.add(999);
    b.add("1700000000000000001");
    assert.equal(latestUpdate(b.dir), "local-1700000000000000001.history.json");
  });

  test("reloads once per update finished elsewhere; skips while busy; our own updates are marked seen", async () => {
    const b = backend();
    b.add(1);
    let busy = false;
    let reloads = 0;
    const f = new StackFollower({ dir: b.dir, intervalMs: 60_000, busy: () => busy, onUpdate: async () => void reloads++ });
    await f.poll();
    assert.equal(reloads, 0, "what existed at start is not a change");
    b.add(2);
    await f.poll();
    await f.poll();
    assert.equal(reloads, 1, "one reload per new update");
    busy = true;
    b.add(3);
    await f.poll();
    assert.equal(reloads, 1, "no reload during our own update");
    f.markSeen();
    busy = false;
    await f.poll();
    assert.equal(reloads, 1, "our own update is not reloaded");
    b.add(4);
    await f.poll();
    assert.equal(reloads, 2);
  });

  test("a failed reload is logged and the next update is still followed", async () => {
    const b = backend();
    const lines: string[] = [];
    let calls = 0;
    const f = new StackFollower({
      dir: b.dir,
      intervalMs: 60_000,
      busy: () => false,
      onUpdate: async () => {
        calls++;
        if (calls === 1) throw new Error("stack output failed");
      },
      log: (l) => lines.push(l),
    });
    b.add(1);
    await f.poll();
    assert.deepEqual(lines, ["platform stack reload failed: stack output failed"]);
    b.add(2);
    await f.poll();
    assert.equal(calls, 2);
  });
});
