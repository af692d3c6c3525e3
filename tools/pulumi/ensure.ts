/**
 * Builds (once) and locates the pinned Pulumi CLI.
 *
 * The CLI is compiled from Go modules by the wrapper module in this folder (go.mod/go.sum are committed,
 * binaries never are) into a cache keyed by the pinned version and the go.sum hash, so a rebuild happens
 * only when the cache is missing or a pin changes. Next to it go the plugin shims the engine looks for.
 */
import { spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { acquireBuildLock } from "../build-lock";
import { runPhase } from "../run-phase";
import { ensureFluxCrds } from "../cluster/flux-crds";

export const PULUMI_VERSION = "3.274.1";
const VERSION_PKG = "github.com/pulumi/pulumi/sdk/v3/go/common/version.Version";
const CLI_PKG = "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi";

export interface Toolchain {
  /** Directory holding `pulumi` and the plugin shims; put it first on PATH for engine runs. */
  binDir: string;
  /** Absolute path of the `pulumi` executable. */
  pulumi: string;
  version: string;
  /** True when this call compiled the CLI. */
  built: boolean;
}

export interface EnsureToolchainOptions {
  /** Repository root (holds tools/pulumi/go.mod). */
  root: string;
  /** Progress sink; one line per call. */
  log?: (line: string) => void;
  /** Use a `pulumi` found on PATH (>= 3.270) instead of building. Tests never set this. */
  allowPathCli?: boolean;
}

function cacheRoot(): string {
  if (process.env.PLINTH_TOOLCHAIN_DIR) return process.env.PLINTH_TOOLCHAIN_DIR;
  const base = process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache");
  return path.join(base, "plinth", "toolchain");
}

function moduleHash(root: string): string {
  const h = crypto.createHash("sha256");
  for (const f of ["go.mod", "go.sum"]) h.update(fs.readFileSync(path.join(root, "tools", "pulumi", f)));
  return h.digest("hex").slice(0, 12);
}

/** Writes the plugin shims that make the engine find Node-based plugins next to the CLI. */
export function writeShims(binDir: string, root: string): void {
  const dynamic = path.join(binDir, "pulumi-resource-pulumi-nodejs");
  const script = [
    "#!/bin/sh",
    "# Pulumi dynamic-provider plugin: runs @pulumi/pulumi's dynamic provider with the project's node.",
    `exec node "${path.join(root, "node_modules", "@pulumi", "pulumi", "cmd", "dynamic-provider", "index.js")}" "$@"`,
    "",
  ].join("\n");
  fs.writeFileSync(dynamic, script, { mode: 0o755 });
  const plinth = path.join(binDir, "pulumi-resource-plinth");
  const plugin = [
    "#!/bin/sh",
    "# The plinth resource provider as a plugin, for `pulumi up` from the command line.",
    `exec node --import "${path.join(root, "node_modules", "tsx", "dist", "loader.mjs")}" "${path.join(root, "service", "provider", "plugin.ts")}" "$@"`,
    "",
  ].join("\n");
  fs.writeFileSync(plinth, plugin, { mode: 0o755 });
  fs.writeFileSync(path.join(binDir, "pulumi-language-nodejs"), languageHostShim(root), { mode: 0o755 });
}

/**
 * `pulumi-language-nodejs` for the pinned CLI (which ships no language host): Plinth's own
 * (tools/pulumi/language-host). It runs from the Plinth checkout the CLI runs in (the plugin's working
 * directory or a parent), else from the checkout that installed it. A `pulumi-language-nodejs` of a real
 * Pulumi installation on PATH still wins: the CLI prefers PATH over its own directory.
 */
export function languageHostShim(root: string): string {
  const host = "tools/pulumi/language-host/main.ts";
  const loader = "node_modules/tsx/dist/loader.mjs";
  return [
    "#!/bin/sh",
    "# Plinth's Node.js language host for the pinned Pulumi CLI (written by tools/pulumi/ensure.ts).",
    `root="${root}"`,
    'd="$PWD"',
    'while [ -n "$d" ] && [ "$d" != "/" ]; do',
    `  if [ -f "$d/${host}" ] && [ -f "$d/${loader}" ]; then root="$d"; break; fi`,
    '  d=$(dirname "$d")',
    "done",
    `exec node --import "$root/${loader}" "$root/${host}" "$@"`,
    "",
  ].join("\n");
}

function pathCli(): string | undefined {
  const res = spawnSync("pulumi", ["version"], { encoding: "utf8" });
  if (res.status !== 0) return undefined;
  const m = /v?(\d+)\.(\d+)\.(\d+)/.exec(res.stdout.trim());
  if (!m) return undefined;
  const [maj, min] = [Number(m[1]), Number(m[2])];
  if (maj > 3 || (maj === 3 && min >= 270)) {
    const which = spawnSync("sh", ["-c", "command -v pulumi"], { encoding: "utf8" });
    return which.stdout.trim() || undefined;
  }
  return undefined;
}


/**
 * Returns the pinned toolchain, building it first when it is missing or its pins changed.
 * Concurrent callers (parallel test files) wait on a lock instead of building twice.
 */
export async function ensureToolchain(opts: EnsureToolchainOptions): Promise<Toolchain> {
  const log = opts.log ?? (() => undefined);
  if (opts.allowPathCli) {
    const found = pathCli();
    if (found) {
      log(`[toolchain] using pulumi on PATH: ${found}`);
      return { binDir: path.dirname(found), pulumi: found, version: "path", built: false };
    }
  }
  const root = opts.root;
  const dir = path.join(cacheRoot(), `pulumi-v${PULUMI_VERSION}-${moduleHash(root)}`);
  const binDir = path.join(dir, "bin");
  const pulumi = path.join(binDir, "pulumi");
  if (fs.existsSync(pulumi)) {
    writeShims(binDir, root);
    return { binDir, pulumi, version: PULUMI_VERSION, built: false };
  }
  const go = spawnSync("go", ["version"], { encoding: "utf8" });
  if (go.status !== 0) {
    throw new Error(
      "[toolchain] Go is not installed and the pinned Pulumi CLI is not built yet. Install Go >= 1.25 " +
        "(https://go.dev/dl) or a Pulumi CLI >= 3.270 on PATH, then run this command again.",
    );
  }
  fs.mkdirSync(binDir, { recursive: true });
  const lock = path.join(dir, ".lock");
  const fd = await acquireBuildLock(lock, () => fs.existsSync(pulumi));
  if (fd === undefined) return ensureToolchain(opts);
  try {
    const started = Date.now();
    log(`[toolchain] building Pulumi CLI v${PULUMI_VERSION} from Go modules into ${binDir}`);
    log(`[toolchain] (cold: ~2 min download + ~8 min compile on 2 cores; cached afterwards)`);
    const modDir = path.join(root, "tools", "pulumi");
    const env = { ...process.env, CGO_ENABLED: "0", GOFLAGS: "-mod=mod" };
    await runPhase("toolchain", "go", ["mod", "download"], modDir, env, "download Go modules", log);
    const tmp = `${pulumi}.tmp-${process.pid}`;
    await runPhase("toolchain", 
      "go",
      ["build", "-trimpath", "-tags", "osusergo,grpcnotrace", "-ldflags", `-s -w -X ${VERSION_PKG}=v${PULUMI_VERSION}`, "-o", tmp, CLI_PKG],
      modDir,
      env,
      "compile pulumi",
      log,
    );
    fs.renameSync(tmp, pulumi);
    writeShims(binDir, root);
    const v = spawnSync(pulumi, ["version"], { encoding: "utf8" }).stdout.trim();
    log(`[toolchain] ready: pulumi ${v} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return { binDir, pulumi, version: PULUMI_VERSION, built: true };
  } finally {
    fs.closeSync(fd);
    fs.rmSync(lock, { force: true });
  }
}

if (require.main === module) {
  // `npm run toolchain`: the pinned CLI with its plugin shims, and Flux's CRDs the platform program reads.
  const root = path.resolve(__dirname, "..", "..");
  const log = (l: string) => process.stderr.write(l + "\n");
  ensureToolchain({ root, log })
    .then(async (t) => {
      await ensureFluxCrds({ root, log });
      process.stdout.write(`${t.pulumi}\n`);
    })
    .catch((err) => {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    });
}
