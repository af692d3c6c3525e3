/**
 * What `npm start`'s program runs on (stacks/runtime-config.ts): PLINTH_CONFIG as a file or as JSON (as
 * PlinthService sets it), PLINTH_TEAMS, shared mode; a bad value is one start-failure line, for real.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { resolveRuntimeConfig } from "../../../stacks/runtime-config";
import { SharedModeConfigError } from "../../../service/shared/errors";
import { runStartToExit } from "../../support/start";

const ROOT = path.resolve(__dirname, "../../..");
const DB = "postgres://plinth:db-s3cret@db.example.com:5432/plinth";
const remote = [{ name: "default", url: "https://git.example.com/org/state.git" }];
const teams = [{ name: "team-a", namespaces: ["team-a"], token: "t-a" }];

describe("runtime configuration of the service process", () => {
  test("embedded default: Pulumi.<stack>.yaml of the checkout, or the file PLINTH_CONFIG names", () => {
    const local = resolveRuntimeConfig({}, ROOT);
    assert.equal(local.stack, "local");
    assert.equal(local.shared, undefined);
    assert.ok(Array.isArray(local.raw.stateStores));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plinth-rc-"));
    try {
      const file = path.join(dir, "p.yaml");
      fs.writeFileSync(file, "config:\n  plinth:teams: []\n  other:x: 1\n");
      assert.deepEqual(resolveRuntimeConfig({ PLINTH_CONFIG: file }, ROOT).raw, { teams: [] });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("PLINTH_CONFIG as JSON and PLINTH_TEAMS (PlinthService's contract); shared mode keeps the database URL out of the config", () => {
    const rc = resolveRuntimeConfig({ PLINTH_CONFIG: JSON.stringify({ stateStores: remote, "plinth:limits": {} }), PLINTH_TEAMS: JSON.stringify(teams), PLINTH_DATABASE_URL: DB, PULUMI_CONFIG_PASSPHRASE: "pw", PLINTH_STACK: "prod" }, ROOT);
    assert.deepEqual(rc.raw, { stateStores: remote, limits: {}, teams });
    assert.equal(rc.stack, "prod-service");
    assert.deepEqual(rc.shared, { databaseUrl: DB, backendUrl: DB, secretsProvider: "passphrase", passphrase: "pw" });
    const fromConfig = resolveRuntimeConfig({ PLINTH_CONFIG: JSON.stringify({ stateStores: remote, database: { url: DB } }), PLINTH_SECRETS_PROVIDER: "hashivault://plinth" }, ROOT);
    assert.equal(fromConfig.shared?.databaseUrl, DB);
    assert.equal(fromConfig.raw.database, undefined, "the URL (a secret) is never written to the stack's settings");
  });

  test("bad values are refused naming the variable and the fix", () => {
    const refused = (env: NodeJS.ProcessEnv, pattern: RegExp) =>
      assert.throws(() => resolveRuntimeConfig(env, ROOT), (e: unknown) => e instanceof SharedModeConfigError && pattern.test(e.message) && !e.message.includes("db-s3cret"));
    refused({ PLINTH_CONFIG: "{not json" }, /^PLINTH_CONFIG is not valid JSON/);
    refused({ PLINTH_TEAMS: "{}" }, /^PLINTH_TEAMS must be a JSON list/);
    refused({ PLINTH_CONFIG: JSON.stringify({ stateStores: remote }), PLINTH_DATABASE_URL: DB }, /one secrets provider/);
    refused({ PLINTH_DATABASE_URL: DB, PULUMI_CONFIG_PASSPHRASE: "pw" }, /"default" is embedded/);
  });

  test("stacks/start.ts with a bad shared-mode config exits 1 with one line (no stack trace)", async () => {
    const { code, stdout, stderr } = await runStartToExit({ PLINTH_DATABASE_URL: "mysql://plinth:db-s3cret@db/plinth" }, 60_000);
    assert.equal(code, 1, stderr);
    assert.equal(stdout, "");
    // (The log redacts anything shaped like a URL's password, the example's too.)
    assert.match(stderr.trimEnd().split("\n").at(-1)!, /^ERROR plinth: SharedModeConfig: PLINTH_DATABASE_URL must be a postgres:\/\/ URL \(got mysql:\/\/…\): use postgres:\/\/user:.*@host:5432\/db$/);
    assert.doesNotMatch(stderr, /db-s3cret/);
    assert.doesNotMatch(stderr, /^\s+at /m, "no stack trace");
  });
});
