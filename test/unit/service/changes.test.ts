import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ChangeFeed, type Change } from "../../../service/core/changes";
import type { RequestObject } from "../../../service/core/types";

const obj = (name: string, rv: string) => ({ apiVersion: "g/v1", kind: "K", metadata: { name, namespace: "default", generation: 1, uid: "", creationTimestamp: "", resourceVersion: rv }, spec: {}, status: {} }) as unknown as RequestObject;

describe("change feed", () => {
  test("resource versions only grow; a watcher resumes after the one it saw, then gets live changes", () => {
    const feed = new ChangeFeed(10, 100);
    const rvs: string[] = [];
    for (const n of ["a", "b", "c"]) {
      const rv = feed.next();
      rvs.push(rv);
      feed.record("ADDED", obj(n, rv), rv);
    }
    assert.deepEqual(rvs, ["101", "102", "103"]);
    assert.equal(feed.current(), "103");
    const seen: Change[] = [];
    const stop = feed.subscribe("101", (c) => seen.push(c));
    assert.deepEqual(seen.map((c) => c.object.metadata.name), ["b", "c"]);
    const rv = feed.next();
    feed.record("DELETED", obj("a", rv), rv);
    assert.deepEqual(seen.map((c) => `${c.type}:${c.object.metadata.name}`), ["ADDED:b", "ADDED:c", "DELETED:a"]);
    stop();
    const rv2 = feed.next();
    feed.record("MODIFIED", obj("b", rv2), rv2);
    assert.equal(seen.length, 3, "unsubscribed");
  });

  test("history is bounded: a version older than it answers 410 Expired; a malformed one 400", () => {
    const feed = new ChangeFeed(3, 0);
    for (let i = 0; i < 5; i++) {
      const rv = feed.next();
      feed.record("MODIFIED", obj("x", rv), rv);
    }
    assert.throws(() => feed.subscribe("1", () => undefined), (e: { status: number; code: string }) => e.status === 410 && e.code === "Expired");
    const seen: number[] = [];
    feed.subscribe("2", (c) => seen.push(c.revision))();
    assert.deepEqual(seen, [3, 4, 5]);
    assert.throws(() => feed.subscribe("abc", () => undefined), (e: { status: number }) => e.status === 400);
  });
});
