import { test } from "node:test";
import assert from "node:assert/strict";
import { measureCommitLatency } from "../../../components/state-store/bench";

test("measureCommitLatency seeds a repo of placement dirs and times real single-directory writes", async () => {
  const r = await measureCommitLatency({ existingDirs: 30, samples: 3 });
  assert.equal(r.samples.length, 3);
  assert.ok(r.samples.every((s) => s > 0 && s < 30_000), String(r.samples));
  assert.equal(r.medianMs, [...r.samples].sort((a, b) => a - b)[1]);
});
