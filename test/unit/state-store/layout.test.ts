import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { parse } from "yaml";
import { indexKustomization } from "../../../components/state-store/layout";
import { ValidationError } from "../../../components/errors";
import {
  assertDns1123Label,
  dependenciesDir,
  emptyKustomization,
  isDns1123Label,
  resourcesDir,
  segmentProblem,
  shortId,
  splitSafePath,
  StateStoreCodes,
} from "../../../components/state-store";

describe("state-store layout (Kratix nestedByMetadata)", () => {
  test("DNS-1123 labels", () => {
    for (const ok of ["a", "web-app", "x1", "0abc", "a".repeat(63)]) assert.equal(isDns1123Label(ok), true, ok);
    for (const bad of ["", "A", "-a", "a-", "a_b", "a.b", "..", "a/b", "a".repeat(64), 5, undefined]) assert.equal(isDns1123Label(bad), false, String(bad));
    assert.throws(
      () => assertDns1123Label("metadata.name", "Bad_Name"),
      (err: unknown) => {
        assert.ok(err instanceof ValidationError);
        assert.deepEqual(err.issues[0].path, ["metadata", "name"]);
        assert.match(err.message, /^metadata\.name must be a DNS-1123 label.*"Bad_Name"/);
        return true;
      },
    );
  });

  test("directories follow <dest>/dependencies/<promise>/<pipeline>/<id> and <dest>/resources/<ns>/<promise>/<name>/<pipeline>/<id>", () => {
    assert.equal(dependenciesDir({ destinationPath: "dev", promise: "postgresql", pipeline: "install", id: "3f2a1" }), "dev/dependencies/postgresql/install/3f2a1");
    assert.equal(
      resourcesDir({ destinationPath: "clusters/eu", namespace: "team-a", promise: "redis", name: "cache", pipeline: "configure", id: "abc12" }),
      "clusters/eu/resources/team-a/redis/cache/configure/abc12",
    );
    assert.throws(() => resourcesDir({ destinationPath: "dev", namespace: "..", promise: "redis", name: "c", pipeline: "p", id: "abc12" }), ValidationError);
    assert.throws(() => resourcesDir({ destinationPath: "dev", namespace: "ns", promise: "redis", name: "c/../../x", pipeline: "p", id: "abc12" }), ValidationError);
    assert.throws(() => dependenciesDir({ destinationPath: "../other", promise: "p", pipeline: "p", id: "abc12" }), (e: unknown) => (e as ValidationError).code === StateStoreCodes.InvalidPath);
    assert.throws(() => dependenciesDir({ destinationPath: "dev", promise: "p", pipeline: "p", id: "../x" }), ValidationError);
  });

  test("shortId is 5 stable hex chars and differs between inputs", () => {
    const a = shortId("team-a/cache/configure");
    assert.match(a, /^[0-9a-f]{5}$/);
    assert.equal(shortId("team-a/cache/configure"), a);
    const ids = new Set(Array.from({ length: 200 }, (_, i) => shortId(`request-${i}`)));
    assert.ok(ids.size >= 199, "collisions among 200 inputs should be (almost) none");
  });

  test("emptyKustomization is a valid kustomization with no resources", () => {
    const doc = parse(emptyKustomization());
    assert.deepEqual(doc, { apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", resources: [] });
  });

  test("safe store paths", () => {
    assert.deepEqual(splitSafePath("dir", "a/b-c/d.yaml"), ["a", "b-c", "d.yaml"]);
    assert.deepEqual(splitSafePath("dir", "", true), []);
    for (const bad of ["", "/etc", "a/../b", "..", "a//b", "a/", "./a", ".git", "x/.Git/y", "a\\b", "a\u0000b", "C:/x"]) {
      assert.throws(
        () => splitSafePath("dir", bad),
        (e: unknown) => e instanceof ValidationError && e.code === StateStoreCodes.InvalidPath && e.message.includes(JSON.stringify(bad)),
        JSON.stringify(bad),
      );
    }
    assert.equal(segmentProblem("ok.yaml"), undefined);
    assert.match(segmentProblem("..") ?? "", /\.\./);
  });
  test("index entries are quoted: ids that look like numbers stay strings for kustomize", () => {
    const doc = parse(indexKustomization(["66139", "79e70", "abcde"]));
    assert.deepEqual(doc.resources, ["66139", "79e70", "abcde"]);
  });
});
