import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ChangeFeed, type Change } from "../../../service/core/changes";
import type { RequestObject } from "../../../service/core/types";

const obj = (name: string, rv: string) => ({ apiVersion: "g/v1", kind: "K", metadata: { name, namespace: "default", generation: 1, uid: "", creationTimestamp: "", resourceVersion: rv }, spec: {}, status: {} }) as unknown as RequestObject;

describe("change feed", () => {
  test("a watcher resumes after the one it saw, then gets live changes", () => {
    const feed = new ChangeFeed(10);
    feed.observe("100");
    let v = 100;
    const next = () => String(++v);
    for (const n of ["a", "b", "c"]) feed.record("ADDED", obj(n, next()));
    assert.equal(feed.current(), "103");
    const seen: Change[] = [];
    const stop = feed.subscribe("101", (c) => seen.push(c));
    assert.deepEqual(seen.map((c) => c.object.metadata.name), ["b", "c"]);
    feed.record("DELETED", obj("a", next()));
    assert.deepEqual(seen.map((c) => `${c.type}:${c.object.metadata.name}`), ["ADDED:b", "ADDED:c", "DELETED:a"]);
    stop();
    assert.throws(() => feed.subscribe("99", () => undefined), (e: { status: number }) => e.status === 410, "older than what this process saw");
    feed.record("MODIFIED", obj("b", next()));
    assert.equal(seen.length, 3, "unsubscribed");
  });

  test("history is bounded: a version older than it answers 410 Expired; a malformed one 400", () => {
    const feed = new ChangeFeed(3);
    for (let i = 1; i <= 5; i++) feed.record("MODIFIED", obj("x", String(i)));
    assert.throws(() => feed.subscribe("1", () => undefined), (e: { status: number; code: string }) => e.status === 410 && e.code === "Expired");
    const seen: number[] = [];
    feed.subscribe("2", (c) => seen.push(c.revision))();
    assert.deepEqual(seen, [3, 4, 5]);
    assert.throws(() => feed.subscribe("abc", () => undefined), (e: { status: number }) => e.status === 400);
  });
});
