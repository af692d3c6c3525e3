/**
 * Two inline programs running at once in one process: the one whose program leaves an unhandled
 * rejection fails with it, and the other succeeds (Pulumi's language server listens for rejections
 * process-wide; service/engine/isolation.ts keeps each run to its own).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { OperationError } from "../../../service/engine";
import { originOf, runIsolated } from "../../../service/engine/isolation";
import { createTestEngine, type TestEngine } from "../../support/pulumi";
import { withCapturedRejections } from "../../support/rejections";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("concurrent inline programs in one process", () => {
  let engine: TestEngine;
  before(async () => {
    engine = await createTestEngine();
  });
  after(async () => engine?.cleanup());

  test("promises remember the run that created them", async () => {
    const a = runIsolated(() => Promise.resolve(1));
    const b = runIsolated(() => sleep(1).then(() => Promise.resolve(2)));
    assert.notEqual(originOf(a), undefined);
    assert.notEqual(originOf(a), originOf(b));
    assert.equal(originOf(Promise.resolve(3)), undefined);
    await Promise.all([a, b]);
  });

  test("an unhandled rejection fails only the program that made it", async () => {
    const ws = engine.workspace();
    await ws.createStack("broken");
    await ws.createStack("fine");
    let brokenErr: unknown;
    const run = await withCapturedRejections(async () => {
      const broken = ws.stack("broken").up({
        program: async () => {
          await sleep(300);
          void Promise.reject(new Error("broken program's own rejection"));
          await sleep(1500);
          return { ok: false };
        },
      });
      const fine = ws.stack("fine").up({
        program: async () => {
          await sleep(2000); // the other program's rejection happens while this one runs
          return { ok: true };
        },
      });
      const [b, f] = await Promise.allSettled([broken, fine]);
      brokenErr = b.status === "rejected" ? b.reason : undefined;
      return f;
    });
    const fine = run.result!;
    assert.equal(fine.status, "fulfilled", fine.status === "rejected" ? String((fine.reason as Error).message) : "");
    assert.equal((fine as PromiseFulfilledResult<{ outputs: Record<string, unknown> }>).value.outputs.ok, true);
    assert.ok(brokenErr instanceof OperationError, String(brokenErr));
    assert.match((brokenErr as Error).message + JSON.stringify((brokenErr as OperationError).events ?? []), /broken program's own rejection/);
  });
});
