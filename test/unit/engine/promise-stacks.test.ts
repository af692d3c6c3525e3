import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { installCheapPromiseStacks } from "../../../service/engine/promise-stacks";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const debuggable = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise: (p: Promise<unknown>, ctx: unknown) => Promise<unknown> };

describe("the SDK's debuggablePromise without eager stack formatting", () => {
  test("promises still resolve and reject as before, carry their context, and Error.stackTraceLimit is restored", async () => {
    installCheapPromiseStacks();
    installCheapPromiseStacks(); // once per process
    const limit = Error.stackTraceLimit;
    const p = Promise.resolve(42);
    assert.equal(await debuggable.debuggablePromise(p, "ctx-a"), 42);
    const tagged = p as unknown as { _debugCtx: string; _debugStackTrace: string };
    assert.equal(tagged._debugCtx, "ctx-a");
    assert.equal(tagged._debugStackTrace, "Error", "no frames formatted");
    assert.equal(Error.stackTraceLimit, limit);
    const failing = Promise.reject(new Error("boom"));
    await assert.rejects(debuggable.debuggablePromise(failing, "ctx-b"), (e: Error & { promise?: unknown }) => e.message === "boom" && e.promise === failing);
    assert.ok((new Error("x").stack ?? "").split("\n").length > 1, "other errors keep their stacks");
  });
});
