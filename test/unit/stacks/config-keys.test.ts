/** Unknown `plinth:*` keys (a typo) fail platform config validation naming the key, before any change. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { validatePlatformConfig } from "../../../stacks/platform";

test("a misspelt plinth:* key is rejected naming it and the keys Plinth reads", () => {
  const raw = { stateStores: [{ name: "default", embedded: true }], destinatons: [{ name: "dev" }] };
  assert.throws(
    () => validatePlatformConfig(raw),
    (err: Error & { code?: string; issues?: { path: unknown[] }[] }) => {
      assert.match(err.message, /^invalid platform config: plinth:destinatons: unknown config key; Plinth reads plinth:clusters, plinth:stateStores, plinth:destinations, plinth:promises, plinth:teams, plinth:limits, plinth:service, plinth:database$/);
      assert.equal(err.code, "InvalidPlatformConfig");
      assert.deepEqual(err.issues?.map((i) => i.path), [["destinatons"]]);
      return true;
    },
  );
  assert.doesNotThrow(() => validatePlatformConfig({ stateStores: [{ name: "default", embedded: true }] }));
});
