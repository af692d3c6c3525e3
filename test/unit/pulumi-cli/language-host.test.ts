/**
 * The pure parts of `pulumi up` from the command line: the language host's run plan, exit mapping,
 * argument parsing and plugin discovery; the provider plugin's store configuration; the `plinth pulumi`
 * environment.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { entryPointOf, planRun, runOutcome, type RunFields } from "../../../tools/pulumi/language-host/run-plan";
import { pluginOfPackage, programDependencies, requiredPlugins } from "../../../tools/pulumi/language-host/packages";
import { parseHostArgs } from "../../../tools/pulumi/language-host/main";
import { connectionsOf, embeddedUrl, stateStoresFromVariables } from "../../../service/provider/plugin-config";
import { plinthRoot, pulumiEnv } from "../../../cli/pulumi";
import { languageHostShim } from "../../../tools/pulumi/ensure";

const fields: RunFields = {
  monitorAddress: "127.0.0.1:5001",
  engineAddress: "127.0.0.1:5002",
  project: "plinth",
  stack: "local",
  organization: "organization",
  pwd: "/repo/stacks",
  rootDirectory: "/repo",
  programDirectory: "/repo/stacks",
  entryPoint: ".",
  args: ["extra"],
  config: { "plinth:promises": '[{"name":"redis"}]', "plinth:teams": "[]" },
  configSecretKeys: ["plinth:teams"],
  dryRun: true,
  parallel: 16,
};

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "plinth-langhost-"));
}

describe("language host: run plan", () => {
  test("runs @pulumi/pulumi's runner under tsx with the engine's flags, the entry point last, config in the environment", () => {
    const cmd = planRun(fields, { node: "/usr/bin/node", runner: "/repo/node_modules/@pulumi/pulumi/cmd/run/index.js", tsxLoader: "/repo/node_modules/tsx/dist/loader.mjs" });
    assert.equal(cmd.command, "/usr/bin/node");
    assert.deepEqual(cmd.args, [
      "--import", "/repo/node_modules/tsx/dist/loader.mjs",
      "/repo/node_modules/@pulumi/pulumi/cmd/run/index.js",
      "--monitor", "127.0.0.1:5001",
      "--engine", "127.0.0.1:5002",
      "--organization", "organization",
      "--project", "plinth",
      "--root-directory", "/repo",
      "--stack", "local",
      "--pwd", "/repo/stacks",
      "--dry-run",
      "--parallel", "16",
      ".", "extra",
    ]);
    assert.equal(cmd.cwd, "/repo/stacks");
    assert.deepEqual(JSON.parse(cmd.env.PULUMI_CONFIG), fields.config);
    assert.deepEqual(JSON.parse(cmd.env.PULUMI_CONFIG_SECRET_KEYS), ["plinth:teams"]);
    assert.equal(cmd.env.PULUMI_NODEJS_TYPESCRIPT, "false", "tsx compiles TypeScript, not the runner's ts-node");
  });

  test("an update (not a preview) has no --dry-run; no tsx means plain node; empty values add no flags", () => {
    const cmd = planRun({ ...fields, dryRun: false, organization: "", engineAddress: undefined, parallel: 0, args: [] }, { node: "node", runner: "/r/run" });
    assert.deepEqual(cmd.args, ["/r/run", "--monitor", "127.0.0.1:5001", "--project", "plinth", "--root-directory", "/repo", "--stack", "local", "--pwd", "/repo/stacks", "."]);
  });

  test("the entry point: '.' lets the runner read package.json; a file is resolved in the program directory", () => {
    assert.equal(entryPointOf({ entryPoint: ".", programDirectory: "/p" }), ".");
    assert.equal(entryPointOf({ entryPoint: "index.ts", programDirectory: "/p" }), "/p/index.ts");
    assert.equal(entryPointOf({ program: "/abs/main.ts" }), "/abs/main.ts");
    assert.equal(entryPointOf({}), ".");
  });

  test("exit codes: 0 ok, 32 = already reported (bail), others an error the CLI shows", () => {
    assert.deepEqual(runOutcome(0, null), { error: "", bail: false });
    assert.deepEqual(runOutcome(32, null), { error: "", bail: true });
    assert.deepEqual(runOutcome(1, null), { error: "Program exited with non-zero exit code: 1", bail: false });
    assert.match(runOutcome(null, "SIGKILL").error, /SIGKILL/);
  });

  test("host arguments: the engine address is the last positional; -flag=value pairs are kept", () => {
    assert.deepEqual(parseHostArgs(["-root=/repo", "-tracing=http://t", "127.0.0.1:999"]), {
      engineAddress: "127.0.0.1:999",
      tracing: "http://t",
      flags: { root: "/repo", tracing: "http://t" },
    });
    assert.equal(parseHostArgs([]).engineAddress, undefined);
  });
});

describe("language host: plugins and dependencies", () => {
  test("a package with pulumi.resource names its plugin like Pulumi's host (@pulumi/ scope dropped, v-prefixed)", () => {
    assert.deepEqual(pluginOfPackage({ name: "@pulumi/aws", version: "7.48.0", pulumi: { resource: true } }), { name: "aws", kind: "resource", version: "v7.48.0" });
    assert.deepEqual(pluginOfPackage({ name: "@acme/thing", version: "1.0.0", pulumi: { resource: true, name: "thing", server: "https://x" } }), {
      name: "thing",
      kind: "resource",
      version: "v1.0.0",
      server: "https://x",
    });
    assert.equal(pluginOfPackage({ name: "@pulumi/pulumi", version: "3.0.0" }), undefined);
  });

  test("required plugins and dependencies come from the program's package root", () => {
    const dir = tmp();
    const write = (rel: string, obj: unknown) => {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), JSON.stringify(obj));
    };
    write("package.json", { name: "prog", dependencies: { "@pulumi/kubernetes": "^4", "left-pad": "1.3.0" } });
    write("node_modules/@pulumi/kubernetes/package.json", { name: "@pulumi/kubernetes", version: "4.24.1", pulumi: { resource: true } });
    write("node_modules/left-pad/package.json", { name: "left-pad", version: "1.3.0" });
    fs.mkdirSync(path.join(dir, "stacks"));
    assert.deepEqual(requiredPlugins(path.join(dir, "stacks")), [{ name: "kubernetes", kind: "resource", version: "v4.24.1" }]);
    assert.deepEqual(programDependencies(path.join(dir, "stacks")), [
      { name: "@pulumi/kubernetes", version: "4.24.1" },
      { name: "left-pad", version: "1.3.0" },
    ]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("the shim runs the host of the Plinth checkout it is started in, else the installing one", () => {
    const shim = languageHostShim("/installed/plinth");
    assert.match(shim, /^#!\/bin\/sh\n/);
    assert.match(shim, /root="\/installed\/plinth"/);
    assert.match(shim, /while \[ -n "\$d" \] && \[ "\$d" != "\/" \]/);
    assert.match(shim, /exec node --import "\$root\/node_modules\/tsx\/dist\/loader\.mjs" "\$root\/tools\/pulumi\/language-host\/main\.ts" "\$@"/);
  });
});

describe("plinth provider plugin: State Stores from its configuration", () => {
  test("reads plinth:stateStores (or the legacy plinth:config: key); absent means none configured", () => {
    const stores = [{ name: "default", url: "https://git.example/s.git", username: "flux", password: "s3cret" }];
    assert.deepEqual(stateStoresFromVariables({ "plinth:stateStores": JSON.stringify(stores) }), stores);
    assert.deepEqual(stateStoresFromVariables({ "plinth:config:stateStores": JSON.stringify(stores) }), stores);
    assert.equal(stateStoresFromVariables({ "plinth:promises": "[]" }), undefined);
    assert.throws(() => stateStoresFromVariables({ "plinth:stateStores": "{not json" }), /plinth:stateStores: must be a list/);
    assert.throws(() => stateStoresFromVariables({ "plinth:stateStores": "[{}]" }), /needs a `name`/);
  });

  test("remote stores keep their credentials; embedded ones are the data dir's repository at the platform's URL", () => {
    const dataDir = tmp();
    assert.equal(embeddedUrl(dataDir, "default"), `file://${dataDir}/git/default.git`);
    fs.writeFileSync(path.join(dataDir, "url"), "http://127.0.0.1:8080\n");
    const conns = connectionsOf(
      [
        { name: "default", embedded: true },
        { name: "remote", url: "https://git.example/s.git", branch: "prod", path: "clusters", username: "flux", password: "pw" },
        { name: "tok", url: "https://git.example/t.git", token: "t0k" },
      ],
      { dataDir },
    );
    assert.deepEqual(conns, [
      { name: "default", branch: "main", path: "", url: "http://127.0.0.1:8080/git/default.git", localRepo: path.join(dataDir, "git", "default.git") },
      { name: "remote", branch: "prod", path: "clusters", url: "https://git.example/s.git", auth: { username: "flux", password: "pw" } },
      { name: "tok", branch: "main", path: "", url: "https://git.example/t.git", auth: { token: "t0k" } },
    ]);
    assert.throws(() => connectionsOf([{ name: "x" }], { dataDir }), /store "x" needs a url/);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});

describe("plinth pulumi: the CLI's environment", () => {
  test("the checkout is the one holding the running bin (symlinks resolved), else the working directory's", () => {
    const root = path.resolve(__dirname, "..", "..", "..");
    const link = path.join(tmp(), "plinth");
    fs.symlinkSync(path.join(root, "cli", "bin.mjs"), link);
    assert.equal(plinthRoot(link, "/"), root);
    assert.equal(plinthRoot("/no/such/bin", path.join(root, "cli", "format")), root);
    assert.throws(() => plinthRoot("/no/such/bin", os.tmpdir()), /cannot find the Plinth checkout/);
  });

  test("defaults to the data dir's backend, passphrase file and PULUMI_HOME, with the toolchain first on PATH", () => {
    const dataDir = tmp();
    const env = pulumiEnv({ PLINTH_DATA_DIR: dataDir, PATH: "/usr/bin" }, { binDir: "/tc/bin", root: "/repo" });
    assert.equal(env.PULUMI_BACKEND_URL, `file://${dataDir}/state`);
    assert.equal(env.PULUMI_HOME, path.join(dataDir, "pulumi-home"));
    assert.equal(env.PULUMI_CONFIG_PASSPHRASE_FILE, path.join(dataDir, "passphrase"));
    assert.equal(fs.statSync(env.PULUMI_CONFIG_PASSPHRASE_FILE).mode & 0o777, 0o600);
    const phrase = fs.readFileSync(env.PULUMI_CONFIG_PASSPHRASE_FILE, "utf8");
    assert.equal(env.PATH, "/tc/bin:/usr/bin");
    // A second run keeps the same passphrase (the stack's secrets stay readable).
    pulumiEnv({ PLINTH_DATA_DIR: dataDir }, { binDir: "/tc/bin", root: "/repo" });
    assert.equal(fs.readFileSync(env.PULUMI_CONFIG_PASSPHRASE_FILE, "utf8"), phrase);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test("what the caller set wins: another backend and passphrase are passed through untouched", () => {
    const dataDir = tmp();
    const env = pulumiEnv({ PLINTH_DATA_DIR: dataDir, PULUMI_BACKEND_URL: "s3://bucket", PULUMI_CONFIG_PASSPHRASE: "pw" }, { binDir: "/tc/bin", root: "/repo" });
    assert.equal(env.PULUMI_BACKEND_URL, "s3://bucket");
    assert.equal(env.PULUMI_CONFIG_PASSPHRASE, "pw");
    assert.equal(env.PULUMI_CONFIG_PASSPHRASE_FILE, undefined);
    assert.equal(fs.existsSync(path.join(dataDir, "passphrase")), false);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});
