/**
 * `npm start -- --cluster` as a user runs it: the embedded default with `dev` as a real local cluster.
 * A request becomes objects `kubectl` sees through `.plinth/dev.kubeconfig`; Ctrl-C (SIGTERM here) stops
 * every process it started; a restart keeps the same cluster address; and starting again without
 * `--cluster` works with the cluster stopped.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT, pinnedToolchain } from "../support/pulumi";
import { killAll, spawnStart as start } from "../support/start";
import { eventually } from "../support/cluster";

const run = promisify(execFile);

const gone = (pid: number) => {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
};

describe("npm start -- --cluster", { timeout: 600_000 }, () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "plinth-start-cluster-"));
  after(() => {
    killAll();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test("a request becomes objects kubectl sees; stop leaves nothing running; restart and going back work", async () => {
    await pinnedToolchain();
    const first = await start(dataDir, ["--cluster"]);
    const kubeconfig = path.join(dataDir, "dev.kubeconfig");
    assert.match(first.stdout, /Cluster {7}dev: https:\/\/127\.0\.0\.1:\d+ \(kube-apiserver v1\.37\.2 \+ Flux\), kubeconfig /);
    assert.equal(fs.statSync(kubeconfig).mode & 0o777, 0o600);
    const token = fs.readFileSync(path.join(dataDir, "token"), "utf8").trim();
    const headers = { authorization: `Bearer ${token}`, "content-type": "application/yaml" };
    const body = fs.readFileSync(path.join(REPO_ROOT, "test/fixtures/requests/team-namespace.yaml"), "utf8");
    assert.equal((await fetch(`${first.url}/v1/requests`, { method: "POST", headers, body })).status, 202);
    const name = /name: (\S+)/.exec(body.slice(body.indexOf("metadata:")))![1];
    const applied = await eventually("Applied", async () => {
      const got = (await (await fetch(`${first.url}/v1/requests/default/TeamNamespace/${name}`, { headers })).json()) as { status: { conditions: { type: string; status: string; message: string }[] } };
      const a = got.status.conditions.find((c) => c.type === "Applied");
      return a && a.status !== "Unknown" ? a : undefined;
    });
    assert.equal(applied.status, "True", applied.message);
    const { stdout } = await run("kubectl", ["--kubeconfig", kubeconfig, "get", "namespace", name, "-o", "json"]);
    assert.equal(JSON.parse(stdout).metadata.labels["kustomize.toolkit.fluxcd.io/name"], `dev-default-namespace-${name}`);

    const pids = first.pids();
    assert.equal(pids.length, 4, "etcd, kube-apiserver, source-controller, kustomize-controller");
    process.kill(first.child.pid!, "SIGTERM");
    assert.equal(await first.exited, 0);
    for (const pid of pids) assert.ok(gone(pid), `process ${pid} stopped`);

    const before = fs.readFileSync(kubeconfig, "utf8");
    const second = await start(dataDir, ["--cluster"]);
    assert.equal(fs.readFileSync(kubeconfig, "utf8"), before, "a restart keeps the cluster's address and credentials");
    const again = await run("kubectl", ["--kubeconfig", kubeconfig, "get", "namespace", name, "-o", "name"]);
    assert.equal(again.stdout.trim(), `namespace/${name}`, "the cluster's data survives the restart");
    process.kill(second.child.pid!, "SIGTERM");
    assert.equal(await second.exited, 0);
    for (const pid of second.pids()) assert.ok(gone(pid), `process ${pid} stopped`);

    // Back to the plain embedded default: the stopped cluster is not needed to drop it from the stack.
    const third = await start(dataDir, []);
    assert.doesNotMatch(third.stdout, /Cluster {7}dev/);
    assert.deepEqual(third.pids(), []);
    process.kill(third.child.pid!, "SIGTERM");
    assert.equal(await third.exited, 0);
  });
});
