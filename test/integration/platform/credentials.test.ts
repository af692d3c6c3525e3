import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { cleanGitEnv } from "../../../components/state-store/bare-repo";
import { sameSecret } from "../../../components/state-store/git-http-backend";
import { startTestPlatform, type TestPlatform } from "../../support/platform";

const run = promisify(execFile);
const git = (args: string[], cwd?: string) => run("git", args, { cwd, env: { ...cleanGitEnv(), GIT_TERMINAL_PROMPT: "0" } });
const config = {
  stateStores: [{ name: "default", embedded: true }],
  destinations: [{ name: "dev", labels: { env: "dev" } }],
  promises: [{ name: "namespace" }],
  teams: [{ name: "dev", namespaces: ["default"] }],
};

describe("credentials of the embedded platform", () => {
  let t: TestPlatform;
  before(async () => {
    t = await startTestPlatform();
    await t.platform.configure(config);
  });
  after(async () => t?.cleanup());

  const urlAs = (user: string, password: string) => {
    const u = new URL(t.platform.gitUrl("default"));
    u.username = user;
    u.password = encodeURIComponent(password);
    return u.toString();
  };

  test("Flux's Git credential is its own, read-only user: it clones, its push is 403 and lands nothing; the platform's own user pushes", async () => {
    const flux = t.platform.fluxCredentials();
    assert.equal(flux.username, "flux");
    assert.notEqual(flux.password, t.platform.gitPassword);
    const work = path.join(t.dir, "flux-clone");
    await git(["clone", "-q", urlAs(flux.username, flux.password), work]);
    await git(["-c", "user.name=x", "-c", "user.email=x@x", "commit", "-q", "--allow-empty", "-m", "from flux"], work);
    const before = await t.head();
    const push = await git(["push", "-q", "origin", "HEAD:refs/heads/main"], work).then(
      () => undefined,
      (e: { stderr: string }) => e.stderr,
    );
    assert.ok(push !== undefined, "the push with Flux's credential fails");
    assert.match(push, /403/);
    assert.equal(await t.head(), before, "nothing landed");
    const info = await fetch(`${t.platform.gitUrl("default")}/info/refs?service=git-receive-pack`, {
      headers: { authorization: `Basic ${Buffer.from(`flux:${flux.password}`).toString("base64")}` },
    });
    assert.equal(info.status, 403);
    assert.match(await info.text(), /may only read/);

    await git(["push", "-q", urlAs(t.platform.gitUser, t.platform.gitPassword), "HEAD:refs/heads/main"], work);
    assert.notEqual(await t.head(), before, "the platform's user may push");
  });

  test("wrong passwords and a swapped user/password pair are 401", async () => {
    const basic = (u: string, p: string) => ({ authorization: `Basic ${Buffer.from(`${u}:${p}`).toString("base64")}` });
    const refs = `${t.platform.gitUrl("default")}/info/refs?service=git-upload-pack`;
    assert.equal((await fetch(refs, { headers: basic("flux", t.platform.gitPassword) })).status, 401);
    assert.equal((await fetch(refs, { headers: basic("plinth", t.platform.fluxCredentials().password) })).status, 401);
    assert.equal((await fetch(refs, { headers: basic("plinth", t.platform.gitPassword + "x") })).status, 401);
    assert.equal((await fetch(refs, { headers: basic("flux", t.platform.fluxCredentials().password) })).status, 200);
    assert.ok(fs.existsSync(path.join(t.dir, "data", "git-flux-password")));
    // compared as equal-length digests: any length, no throw, exact match only
    assert.equal(sameSecret("abc", "abc"), true);
    assert.equal(sameSecret("ab", "abc"), false);
    assert.equal(sameSecret("", "a".repeat(1000)), false);
  });
});
