import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ValidationError } from "../../../components/errors";
import { formatAge, formatError, table } from "../../../cli/format";
import { parseFrame, readSse } from "../../../cli/sse";

describe("cli formatting", () => {
  test("ages", () => {
    const now = Date.parse("2025-01-10T00:00:00Z");
    const ago = (s: number) => new Date(now - s * 1000).toISOString();
    assert.deepEqual([5, 119, 120, 7199, 7200, 47 * 3600, 48 * 3600].map((s) => formatAge(ago(s), now)), ["5s", "119s", "2m", "119m", "2h", "47h", "2d"]);
    assert.equal(formatAge(undefined, now), "-");
  });

  test("table pads columns and trims the last", () => {
    assert.equal(table(["A", "LONG"], [["xyz", "1"], ["", "22"]]), "A     LONG\nxyz   1\n      22\n");
  });

  test("errors print code, message and one line per field path", () => {
    const e = new ValidationError("request is invalid", [{ path: ["spec", "size"], message: "must be >= 1" }, { path: [], message: "bad" }]);
    assert.equal(formatError(e), "error: ValidationFailed: request is invalid\n  spec.size: must be >= 1\n  (root): bad\n");
    assert.equal(formatError(new Error("plain")), "error: Error: plain\n");
  });

  test("SSE frames: event and multi-line data; comments skipped", async () => {
    assert.deepEqual(await parseFrame("id: 1\nevent: status\ndata: {\"a\":1}"), { event: "status", data: '{"a":1}' });
    assert.deepEqual(await parseFrame("data: a\ndata: b"), { event: "message", data: "a\nb" });
    assert.equal(await parseFrame(": heartbeat"), undefined);
  });

  test("SSE stream: frames split across chunks (even inside a UTF-8 character), CRLF, comments", async () => {
    const bytes = new TextEncoder().encode(': subscribed\r\n\r\nevent: status\r\ndata: {"m":"café"}\r\n\r\ndata: one\ndata: two\n\n: hb\n\nevent: deleted\ndata: {}\n\n');
    const cut = bytes.indexOf(0xc3) + 1; // between the two bytes of "é"
    const chunks = [bytes.slice(0, 5), bytes.slice(5, cut), bytes.slice(cut, cut + 3), bytes.slice(cut + 3)];
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        for (const x of chunks) c.enqueue(x);
        c.close();
      },
    });
    const frames = [];
    for await (const f of readSse(body)) frames.push(f);
    assert.deepEqual(frames, [
      { event: "status", data: '{"m":"café"}' },
      { event: "message", data: "one\ntwo" },
      { event: "deleted", data: "{}" },
    ]);
  });
});
