/** Shared mode's configuration: on with a Postgres URL; refused with a clear error for what it cannot run on. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { resolveSharedMode } from "../../../service/shared/config";
import { SharedModeConfigError } from "../../../service/shared/errors";

const remote = [{ name: "default", url: "https://git.example.com/org/state.git" }];
const url = "postgres://plinth:s3cret@db.example.com:5432/plinth";

function refused(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof SharedModeConfigError && e.code === "SharedModeConfig" && e.status === 400 && pattern.test(e.message) && !e.message.includes("s3cret"));
}

describe("shared mode configuration", () => {
  test("off without a database: the embedded default, nothing else required", () => {
    assert.equal(resolveSharedMode({ env: {}, stateStores: [{ name: "default", embedded: true }] }), undefined);
  });

  test("on with PLINTH_DATABASE_URL or plinth:database.url; Pulumi state in the same database; one secrets provider", () => {
    const fromEnv = resolveSharedMode({ env: { PLINTH_DATABASE_URL: url, PULUMI_CONFIG_PASSPHRASE: "pw" }, stateStores: remote })!;
    assert.deepEqual(fromEnv, { databaseUrl: url, backendUrl: url, secretsProvider: "passphrase", passphrase: "pw" });
    const fromConfig = resolveSharedMode({ env: { PLINTH_SECRETS_PROVIDER: "awskms://alias/plinth" }, database: { url }, stateStores: remote })!;
    assert.equal(fromConfig.databaseUrl, url);
    assert.equal(fromConfig.secretsProvider, "awskms://alias/plinth");
    assert.equal(fromConfig.passphrase, undefined);
    const envWins = resolveSharedMode({ env: { PLINTH_DATABASE_URL: url, PULUMI_CONFIG_PASSPHRASE: "pw" }, database: { url: "postgres://other/x" }, stateStores: remote })!;
    assert.equal(envWins.databaseUrl, url);
  });

  test("an embedded State Store is refused in shared mode, naming it and the fix", () => {
    refused(
      () => resolveSharedMode({ env: { PLINTH_DATABASE_URL: url, PULUMI_CONFIG_PASSPHRASE: "pw" }, stateStores: [...remote, { name: "local", embedded: true }] }),
      /remote Git State Stores.*"local" is embedded.*plinth:stateStores\[\]\.url/,
    );
  });

  test("a URL that is not Postgres, names no database, or no shared secrets provider: refused with the fix", () => {
    refused(() => resolveSharedMode({ env: { PLINTH_DATABASE_URL: "mysql://u:s3cret@h/db", PULUMI_CONFIG_PASSPHRASE: "pw" }, stateStores: remote }), /must be a postgres:\/\/ URL/);
    refused(() => resolveSharedMode({ env: { PLINTH_DATABASE_URL: "postgres://u:s3cret@h:5432", PULUMI_CONFIG_PASSPHRASE: "pw" }, stateStores: remote }), /names no database/);
    refused(() => resolveSharedMode({ env: {}, database: {}, stateStores: remote }), /without a url/);
    refused(() => resolveSharedMode({ env: { PLINTH_DATABASE_URL: url }, stateStores: remote }), /one secrets provider for every replica/);
    refused(() => resolveSharedMode({ env: { PLINTH_DATABASE_URL: url, PLINTH_SECRETS_PROVIDER: "file:///key" }, stateStores: remote }), /must be a KMS URL/);
  });
});
