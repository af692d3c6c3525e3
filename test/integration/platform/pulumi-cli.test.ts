/**
 * `pulumi up` from the command line, as the platform team runs it (README "The platform stack"): the
 * pinned CLI binary with Plinth's Node.js language host and the `plinth` provider plugin, on a checkout
 * (a temp copy of this repository's project files, the rest symlinked) with a temp data dir. One stack for
 * the whole file: init, a bad key, preview, up, outputs, a no-op up, a running `npm start` that follows
 * command-line ups, destroy.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import YAML from "yaml";
import { REPO_ROOT, pinnedToolchain } from "../../support/pulumi";
import { killAll, spawnStart, type StartedPlatform } from "../../support/start";
import type { Toolchain } from "../../../tools/pulumi/ensure";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A checkout as a platform team has it: project files copied (the CLI writes them), the rest symlinked. */
function checkout(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plinth-checkout-"));
  for (const entry of fs.readdirSync(REPO_ROOT)) {
    if (entry === ".git" || entry === ".plinth" || /^Pulumi\..*yaml$/.test(entry)) continue;
    fs.symlinkSync(path.join(REPO_ROOT, entry), path.join(dir, entry));
  }
  for (const f of ["Pulumi.yaml", "Pulumi.local.yaml"]) fs.copyFileSync(path.join(REPO_ROOT, f), path.join(dir, f));
  return dir;
}

function cleanEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("PULUMI_") && !k.startsWith("PLINTH_")) env[k] = v;
  return { ...env, ...extra };
}

function run(command: string, args: string[], cwd: string, env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

function show(r: Run): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout.slice(-4000)}\n--- stderr\n${r.stderr.slice(-4000)}`;
}

async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
}

describe("pulumi up --stack local from the command line", () => {
  let toolchain: Toolchain;
  let project: string;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "plinth-cli-data-"));
  let platform: StartedPlatform | undefined;
  /** `npx plinth pulumi …` in the checkout (README's command). */
  const plinthPulumi = (...args: string[]) => run(process.execPath, [path.join(project, "cli", "bin.mjs"), "pulumi", ...args], project, cleanEnv({ PLINTH_DATA_DIR: dataDir }));
  /** The CLI binary itself, by its path, PATH untouched: it finds Plinth's language host next to itself. */
  const pulumiBinary = (...args: string[]) =>
    run(
      toolchain.pulumi,
      args,
      project,
      cleanEnv({
        PLINTH_DATA_DIR: dataDir,
        PULUMI_BACKEND_URL: `file://${path.join(dataDir, "state")}`,
        PULUMI_CONFIG_PASSPHRASE: fs.readFileSync(path.join(dataDir, "passphrase"), "utf8").trim(),
        PULUMI_HOME: path.join(dataDir, "pulumi-home"),
        PULUMI_SKIP_UPDATE_CHECK: "true",
      }),
    );
  const settingsFile = () => path.join(project, "Pulumi.local.yaml");
  const editPromises = (edit: (names: { name: string }[]) => { name: string }[]) => {
    const doc = YAML.parseDocument(fs.readFileSync(settingsFile(), "utf8"));
    const promises = (doc.toJS() as { config: Record<string, { name: string }[]> }).config["plinth:promises"];
    doc.setIn(["config", "plinth:promises"], edit(promises));
    fs.writeFileSync(settingsFile(), doc.toString());
  };

  before(async () => {
    toolchain = await pinnedToolchain();
    project = checkout();
  });
  after(() => {
    killAll();
    fs.rmSync(project, { recursive: true, force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test("stack init, then a misspelt config key fails preview naming the key and changes nothing", async () => {
    const init = await plinthPulumi("stack", "init", "local");
    assert.equal(init.code, 0, show(init));
    const bad = path.join(project, "Pulumi.bad.yaml");
    const settings = YAML.parse(fs.readFileSync(settingsFile(), "utf8")) as { config: Record<string, unknown> };
    const { "plinth:destinations": destinations, ...rest } = settings.config;
    fs.writeFileSync(bad, YAML.stringify({ ...settings, config: { ...rest, "plinth:destinatons": destinations } }));
    const res = await plinthPulumi("preview", "--stack", "local", "--config-file", bad);
    assert.notEqual(res.code, 0, show(res));
    assert.match(res.stdout + res.stderr, /plinth:destinatons: unknown config key; Plinth reads plinth:clusters, plinth:stateStores, plinth:destinations/);
    const out = await plinthPulumi("stack", "output", "--json", "--stack", "local");
    assert.deepEqual(JSON.parse(out.stdout), {}, "nothing was deployed");
  });

  test("the CLI binary previews the stack through Plinth's language host", async () => {
    const res = await pulumiBinary("preview", "--stack", "local", "--non-interactive");
    assert.equal(res.code, 0, show(res));
    assert.match(res.stdout, /plinth:promise:PromiseInstallation/);
    assert.match(res.stdout, /\+ .*create/);
    assert.doesNotMatch(res.stdout + res.stderr, /no language plugin/);
  });

  test("up creates the platform; stack output shows destinations, promises, stateStore and endpoint; Git has the destinations", async () => {
    // The preview above showed the plan; skipping up's own preview halves the program runs of this file.
    const up = await plinthPulumi("up", "--yes", "--skip-preview", "--stack", "local", "--non-interactive");
    assert.equal(up.code, 0, show(up));
    const res = await plinthPulumi("stack", "output", "--json", "--stack", "local");
    assert.equal(res.code, 0, show(res));
    const out = JSON.parse(res.stdout) as Record<string, unknown>;
    const destinations = out.destinations as { name: string; path: string }[];
    assert.deepEqual(destinations.map((d) => d.name), ["dev", "prod", "platform"]);
    const promises = out.promises as { name: string; version: string; kind: string }[];
    assert.deepEqual(promises.map((p) => p.name), ["namespace", "jenkins", "postgresql", "redis", "nginx-ingress", "web-app"]);
    const store = out.stateStore as { name: string; url: string; branch: string; head: string };
    assert.equal(store.name, "default");
    assert.equal(store.url, `file://${path.join(dataDir, "git", "default.git")}`, "no platform ran yet: the repository itself");
    assert.equal(store.branch, "main");
    assert.equal(out.endpoint, "");
    assert.equal(out.config, "[secret]", "the config output is a secret");
    const tree = spawnSync("git", ["--git-dir", path.join(dataDir, "git", "default.git"), "ls-tree", "--name-only", "main"], { encoding: "utf8" });
    assert.equal(tree.status, 0, tree.stderr);
    assert.deepEqual(tree.stdout.trim().split("\n").sort(), ["dev", "platform", "prod"]);
  });

  test("a second up is a no-op", async () => {
    const res = await plinthPulumi("up", "--yes", "--skip-preview", "--stack", "local", "--non-interactive", "--expect-no-changes");
    assert.equal(res.code, 0, show(res));
    assert.doesNotMatch(res.stdout, /\bcreated\b|\bupdated\b|\bdeleted\b|\breplaced\b/);
  });

  test("a running npm start follows command-line ups: a Promise removed, then added, is requestable without a restart", async () => {
    platform = await spawnStart(dataDir);
    const token = fs.readFileSync(path.join(dataDir, "token"), "utf8").trim();
    const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    const installed = async () => ((await (await fetch(`${platform!.url}/v1/promises`, { headers })).json()) as { items?: { name: string }[] } | { name: string }[]);
    const names = async () => {
      const body = await installed();
      return (Array.isArray(body) ? body : body.items ?? []).map((p) => p.name);
    };
    assert.ok((await names()).includes("redis"));

    editPromises((ps) => ps.filter((p) => p.name !== "redis"));
    const down = await plinthPulumi("up", "--yes", "--skip-preview", "--stack", "local", "--non-interactive");
    assert.equal(down.code, 0, show(down));
    await eventually("redis to leave the running service's registry", async () => ((await names()).includes("redis") ? undefined : true));

    editPromises((ps) => [...ps, { name: "redis" }]);
    const back = await plinthPulumi("up", "--yes", "--skip-preview", "--stack", "local", "--non-interactive");
    assert.equal(back.code, 0, show(back));
    await eventually("redis in the running service's registry", async () => ((await names()).includes("redis") ? true : undefined));
    const promises = (await (await fetch(`${platform.url}/v1/promises/redis`, { headers })).json()) as { apiVersion: string; kind: string };
    const body = JSON.stringify({ apiVersion: promises.apiVersion, kind: promises.kind, metadata: { name: "cache", namespace: "default" }, spec: { size: "small" } });
    const res = await fetch(`${platform.url}/v1/requests`, { method: "POST", headers, body });
    assert.equal(res.status, 202, await res.text());
    await eventually("the redis request to be Ready", async () => {
      const got = (await (await fetch(`${platform!.url}/v1/requests/default/${promises.kind}/cache`, { headers })).json()) as { status?: { conditions?: { type: string; status: string }[] } };
      return got.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ? true : undefined;
    });
    // A command-line up may not orphan it: removing redis now fails before any change, naming the request.
    editPromises((ps) => ps.filter((p) => p.name !== "redis"));
    const blocked = await plinthPulumi("preview", "--stack", "local", "--non-interactive");
    assert.notEqual(blocked.code, 0, show(blocked));
    assert.match(blocked.stdout + blocked.stderr, /cannot remove Promise "redis" while it has 1 request\(s\) \(default\/\w+\/cache\)/);
    editPromises((ps) => [...ps, { name: "redis" }]);
    process.kill(-platform.child.pid!, "SIGINT");
    assert.equal(await platform.exited, 0);
    platform = undefined;
  });

  test("destroy removes the platform's resources; the stack has no outputs", async () => {
    const res = await plinthPulumi("destroy", "--yes", "--stack", "local", "--non-interactive");
    assert.equal(res.code, 0, show(res));
    const out = await plinthPulumi("stack", "output", "--json", "--stack", "local");
    assert.deepEqual(JSON.parse(out.stdout), {});
  });
});
