import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { parsePlatformConfig } from "../../../stacks/config";
import { sha256Hex } from "../../../service/core/auth";

const base = { stateStores: [{ name: "default", embedded: true }], destinations: [{ name: "dev" }] };
const known = { promises: ["namespace"] };

describe("platform config: limits and team tokens", () => {
  test("plinth:limits defaults, overrides and bad values name their key", () => {
    const cfg = parsePlatformConfig(base, known);
    assert.deepEqual(cfg.limits, { maxBodyBytes: 1048576, maxDocuments: 100, maxDepth: 64, maxAliases: 100, maxStreamsPerToken: 32, maxInFlightPerTeam: 500 });
    assert.equal(parsePlatformConfig({ ...base, limits: { maxDocuments: 10 } }, known).limits.maxDocuments, 10);
    assert.throws(() => parsePlatformConfig({ ...base, limits: { maxDocuments: 0 } }, known), /plinth:limits\.maxDocuments: must be a whole number >= 1/);
    assert.throws(() => parsePlatformConfig({ ...base, limits: { maxDocs: 5 } }, known), /plinth:limits/);
  });

  test("two teams with the same token are refused naming both teams, never the token", () => {
    const token = "a-shared-secret-token-0123456789";
    const cases = [
      [{ name: "alpha", namespaces: ["a"], token }, { name: "beta", namespaces: ["b"], token }],
      [{ name: "alpha", namespaces: ["a"], token }, { name: "beta", namespaces: ["b"], tokenSha256: sha256Hex(token) }],
      [{ name: "alpha", namespaces: ["a"], tokenSha256: sha256Hex(token) }, { name: "beta", namespaces: ["b"], tokenSha256: sha256Hex(token) }],
    ];
    for (const teams of cases) {
      let err: Error | undefined;
      try {
        parsePlatformConfig({ ...base, teams }, known);
      } catch (e) {
        err = e as Error;
      }
      assert.ok(err, JSON.stringify(teams.map((t) => Object.keys(t))));
      assert.equal((err as { code?: string }).code, "InvalidPlatformConfig");
      assert.match(err.message, /plinth:teams\[1\]\.token(Sha256)?: teams "alpha" and "beta" have the same token/);
      assert.ok(!err.message.includes(token) && !err.message.includes(sha256Hex(token)), "the token is never named");
      assert.ok(!JSON.stringify((err as { details?: unknown }).details).includes(token));
    }
    assert.equal(parsePlatformConfig({ ...base, teams: [{ name: "alpha", namespaces: ["a"], token }, { name: "beta", namespaces: ["b"], token: token + "x" }] }, known).teams.length, 2);
  });
});
