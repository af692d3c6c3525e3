/** `/readyz` checks of a replica against a real Postgres and a real Git remote: not ready while either is away. */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { authHeaders } from "../../../components/state-store/remote";
import { checkReadiness, gitCheck, postgresCheck } from "../../../service/shared/readiness";
import { startGitServer, type GitServer } from "../../support/git-server";
import { startPostgres, type TestPostgres } from "../../support/postgres";

describe("replica readiness (Postgres and Git reachable)", () => {
  let postgres: TestPostgres;
  let git: GitServer;
  let pool: pg.Pool;
  let repo: string;
  before(async () => {
    [postgres, git] = await Promise.all([startPostgres(), startGitServer()]);
    pool = new pg.Pool({ connectionString: await postgres.database("ready"), max: 2 });
    pool.on("error", () => undefined);
    repo = await git.createRepo("store");
  });
  after(async () => {
    await pool?.end();
    await postgres?.stop();
    await git?.stop();
  });

  test("ready with both; not ready while Postgres is down, naming it; ready again once it is back", async () => {
    const checks = () => [postgresCheck(pool), gitCheck("default", repo, authHeaders({ username: git.username, password: git.password }))];
    assert.deepEqual(await checkReadiness(checks()), { ready: true, checks: [{ name: "postgres", ok: true }, { name: "git:default", ok: true }] });
    await postgres.halt();
    try {
      const down = await checkReadiness(checks());
      assert.equal(down.ready, false);
      assert.equal(down.checks[0].ok, false);
      assert.equal(down.checks[1].ok, true);
    } finally {
      await postgres.start();
    }
    let again = await checkReadiness(checks());
    for (let i = 0; i < 50 && !again.ready; i++) {
      await new Promise((r) => setTimeout(r, 100));
      again = await checkReadiness(checks());
    }
    assert.equal(again.ready, true);
  });

  test("not ready when the Git remote refuses it (wrong credentials) or is unreachable", async () => {
    const bad = await checkReadiness([gitCheck("default", repo, authHeaders({ username: git.username, password: "wrong" }))]);
    assert.deepEqual(bad, { ready: false, checks: [{ name: "git:default", ok: false, message: "Git remote answered 401" }] });
    const gone = await checkReadiness([gitCheck("gone", "http://127.0.0.1:9/git/x.git")]);
    assert.equal(gone.ready, false);
  });
});
