import { test } from "node:test";
import assert from "node:assert/strict";
import { redact, redactDeep, redactingLog } from "../../../components/workflow/actions";

test("redact removes each secret, its URL-encoded and JSON-escaped forms, longest first", () => {
  assert.equal(redact("a abc/d+e ab", ["abc/d+e", "ab"]), "a [REDACTED] [REDACTED]");
  assert.equal(redact("url?t=p%40ss%2Fx", ["p@ss/x"]), "url?t=[REDACTED]");
  assert.equal(redact('{"k":"q\\"uote"}', ['q"uote']), '{"k":"[REDACTED]"}');
  assert.equal(redact("nothing here", ["", undefined, null]), "nothing here");
});

test("redactDeep walks objects and arrays; redactingLog redacts before logging", () => {
  assert.deepEqual(redactDeep({ a: ["x SECRET", 1, { b: "SECRET" }], c: null }, ["SECRET"]), { a: ["x [REDACTED]", 1, { b: "[REDACTED]" }], c: null });
  const out: string[] = [];
  redactingLog((m) => out.push(m), ["SECRET"])("calling with SECRET");
  assert.deepEqual(out, ["calling with [REDACTED]"]);
});
