/**
 * The Dockerfile (no image is built here) agrees with what PlinthService runs: the same non-root uid, the
 * port and data dir the Deployment sets, an entry point that exists, and a context without local state.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { DATA_DIR, SERVICE_UID } from "../../../components/service/plan";
import { REPO_ROOT } from "../../support/pulumi";

const dockerfile = fs.readFileSync(path.join(REPO_ROOT, "Dockerfile"), "utf8");
const ignore = fs.readFileSync(path.join(REPO_ROOT, ".dockerignore"), "utf8").split("\n").map((l) => l.trim());

test("multi-stage, npm ci, runs as the uid the Deployment's securityContext names, never root", () => {
  assert.ok((dockerfile.match(/^FROM /gm) ?? []).length >= 3, "go, build and runtime stages");
  assert.match(dockerfile, /^RUN npm ci\b/m);
  const users = [...dockerfile.matchAll(/^USER (\S+)/gm)].map((m) => m[1]);
  assert.deepEqual(users, [`${SERVICE_UID}:${SERVICE_UID}`], "the final stage switches to the service's uid");
  assert.match(dockerfile, new RegExp(`useradd --uid ${SERVICE_UID}`));
  assert.match(dockerfile, new RegExp(`PLINTH_DATA_DIR=${DATA_DIR}\\b`));
  assert.match(dockerfile, /PLINTH_PORT=8080\b/);
  assert.match(dockerfile, /^EXPOSE 8080$/m);
});

test("the entry point is npm start's program, and it exists", () => {
  const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]) as string[];
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
  const script = pkg.scripts.start.split(" ").pop()!;
  assert.equal(cmd[cmd.length - 1], script);
  assert.ok(fs.existsSync(path.join(REPO_ROOT, script)));
});

test(".dockerignore keeps local state, dependencies and Git out of the context", () => {
  for (const p of [".plinth", "node_modules", ".git"]) assert.ok(ignore.includes(p), p);
});
