/**
 * Builds (once) the binaries a local Kubernetes destination needs, from pinned Go modules.
 *
 * Each binary has a wrapper module under tools/cluster/<dir> (go.mod/go.sum and a tools.go or main.go
 * committed; binaries never). A binary goes to `~/.cache/plinth/cluster/<name>-<hash>/bin/<binary>`, the
 * hash covering the wrapper's go.mod, go.sum, Go sources and build flags, so it is rebuilt only when a pin
 * changes. Builds run one at a time (they are CPU-heavy); a lock per binary makes concurrent callers wait.
 *
 *   npx tsx tools/cluster/binaries.ts                      # all, prints name=path lines
 *   npx tsx tools/cluster/binaries.ts etcd kube-apiserver  # only these
 */
import { spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { acquireBuildLock } from "../build-lock";
import { runPhase } from "../run-phase";

export interface ClusterBinary {
  /** Name used in `only` and as the key of the result. */
  name: string;
  /** Wrapper module directory, relative to tools/cluster. */
  dir: string;
  /** Package to build (a module path, or "." for the wrapper's own main.go). */
  pkg: string;
  /** File name of the built executable. */
  binary: string;
  /** Extra `-ldflags` (e.g. -X version stamps). */
  ldflags?: string;
  /** Files copied from a dependency's module directory next to the wrapper's sources before building. */
  embed?: { module: string; files: Array<{ from: string; to: string }> };
  /** Cold build time measured on 2 shared cores, for the progress message. */
  coldMinutes: number;
}

const PROVIDER_MODULE = "github.com/pulumi/pulumi-kubernetes/provider/v4";
/** The plugin version must equal the npm @pulumi/kubernetes version the programs use. */
export const KUBERNETES_PROVIDER_VERSION = "4.24.1";

/** In build order. */
export const CLUSTER_BINARIES: readonly ClusterBinary[] = [
  { name: "etcd", dir: "etcd", pkg: "go.etcd.io/etcd/server/v3", binary: "etcd", coldMinutes: 2 },
  {
    name: "kube-apiserver",
    dir: "kube-apiserver",
    pkg: "k8s.io/kubernetes/cmd/kube-apiserver",
    binary: "kube-apiserver",
    // Without these stamps /version reports v0.0.0-master, which clients may read as a very old server.
    ldflags: ["gitVersion=v1.37.2", "gitMajor=1", "gitMinor=37"].map((v) => `-X k8s.io/component-base/version.${v}`).join(" "),
    coldMinutes: 17,
  },
  {
    name: "source-controller",
    dir: "flux-controllers/source-controller",
    pkg: "github.com/fluxcd/source-controller",
    binary: "source-controller",
    coldMinutes: 7,
  },
  {
    name: "kustomize-controller",
    dir: "flux-controllers/kustomize-controller",
    pkg: "github.com/fluxcd/kustomize-controller",
    binary: "kustomize-controller",
    coldMinutes: 5,
  },
  {
    name: "kubernetes-provider",
    dir: "kubernetes-provider",
    pkg: ".",
    binary: "pulumi-resource-kubernetes",
    ldflags: `-X ${PROVIDER_MODULE}/pkg/version.Version=${KUBERNETES_PROVIDER_VERSION}`,
    embed: {
      module: PROVIDER_MODULE,
      files: [
        { from: "cmd/pulumi-resource-kubernetes/schema.json", to: "schema-embed.json" },
        { from: "cmd/pulumi-resource-kubernetes/terraform-mapping.json", to: "terraform-mapping-embed.json" },
      ],
    },
    coldMinutes: 14,
  },
];

export interface EnsureClusterBinariesOptions {
  /** Repository root (holds tools/cluster/<dir>/go.mod). */
  root: string;
  /** Progress sink, one line per call. */
  log?: (line: string) => void;
  /** Names to build (default: all of CLUSTER_BINARIES). */
  only?: string[];
}

function cacheRoot(): string {
  if (process.env.PLINTH_CLUSTER_BIN_DIR) return process.env.PLINTH_CLUSTER_BIN_DIR;
  const base = process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache");
  return path.join(base, "plinth", "cluster");
}

function moduleDir(root: string, b: ClusterBinary): string {
  return path.join(root, "tools", "cluster", b.dir);
}

/** Files of the wrapper module that go into the hash and into the build copy. */
function sourceFiles(modDir: string): string[] {
  return fs
    .readdirSync(modDir)
    .filter((f) => f === "go.mod" || f === "go.sum" || f.endsWith(".go"))
    .sort();
}

/** Hash of everything that decides the binary: the wrapper's pins and sources and the build flags. */
export function clusterBinaryKey(root: string, b: ClusterBinary): string {
  const h = crypto.createHash("sha256");
  const modDir = moduleDir(root, b);
  for (const f of sourceFiles(modDir)) {
    h.update(f);
    h.update(fs.readFileSync(path.join(modDir, f)));
  }
  h.update(JSON.stringify({ pkg: b.pkg, ldflags: b.ldflags ?? "", embed: b.embed ?? null, goos: process.platform, arch: process.arch }));
  return h.digest("hex").slice(0, 12);
}

/** Where a binary lives once built (it may not exist yet). */
export function clusterBinaryPath(root: string, b: ClusterBinary): string {
  return path.join(cacheRoot(), `${b.name}-${clusterBinaryKey(root, b)}`, "bin", b.binary);
}

const ready = (dir: string) => fs.existsSync(path.join(dir, ".complete"));


async function build(root: string, b: ClusterBinary, dir: string, log: (l: string) => void): Promise<void> {
  const tag = `cluster:${b.name}`;
  const started = Date.now();
  const modDir = moduleDir(root, b);
  const env = { ...process.env, CGO_ENABLED: "0", GOFLAGS: "-mod=readonly" };
  log(`[${tag}] building ${b.binary} into ${dir} (cold: ~${b.coldMinutes} min on 2 cores; cached afterwards)`);
  await runPhase(tag, "go", ["mod", "download"], modDir, env, "download Go modules", log);
  let buildDir = modDir;
  if (b.embed) {
    // go:embed needs the files beside the sources: build from a copy in the cache, never in the repository.
    buildDir = path.join(dir, "src");
    fs.rmSync(buildDir, { recursive: true, force: true });
    fs.mkdirSync(buildDir, { recursive: true });
    for (const f of sourceFiles(modDir)) fs.copyFileSync(path.join(modDir, f), path.join(buildDir, f));
    const listed = spawnSync("go", ["list", "-m", "-f", "{{.Dir}}", b.embed.module], { cwd: modDir, env, encoding: "utf8" });
    const depDir = listed.stdout.trim();
    if (listed.status !== 0 || !depDir) throw new Error(`[${tag}] cannot locate ${b.embed.module} in the module cache: ${listed.stderr.trim()}`);
    for (const f of b.embed.files) {
      fs.copyFileSync(path.join(depDir, f.from), path.join(buildDir, f.to));
      fs.chmodSync(path.join(buildDir, f.to), 0o644);
    }
  }
  const out = path.join(dir, "bin", b.binary);
  const tmp = `${out}.tmp-${process.pid}`;
  const args = ["build", "-trimpath", ...(b.ldflags ? ["-ldflags", b.ldflags] : []), "-o", tmp, b.pkg];
  await runPhase(tag, "go", args, buildDir, env, `compile ${b.binary}`, log);
  fs.renameSync(tmp, out);
  if (b.embed) fs.rmSync(buildDir, { recursive: true, force: true });
  const secs = (Date.now() - started) / 1000;
  fs.writeFileSync(path.join(dir, ".complete"), `${JSON.stringify({ built: new Date().toISOString(), seconds: Math.round(secs) })}\n`);
  log(`[${tag}] ready: ${out} in ${secs.toFixed(1)} s`);
}

/** Builds one binary if its cache entry is missing; returns its path. */
export async function ensureClusterBinary(root: string, b: ClusterBinary, log: (l: string) => void): Promise<string> {
  const bin = clusterBinaryPath(root, b);
  const dir = path.dirname(path.dirname(bin));
  if (ready(dir)) return bin;
  fs.mkdirSync(path.join(dir, "bin"), { recursive: true });
  const fd = await acquireBuildLock(path.join(dir, ".lock"), () => ready(dir), 60 * 60_000);
  if (fd === undefined) return bin;
  try {
    if (!ready(dir)) await build(root, b, dir, log);
    return bin;
  } finally {
    fs.closeSync(fd);
    fs.rmSync(path.join(dir, ".lock"), { force: true });
  }
}

/**
 * Returns `{ name: path }` for the requested cluster binaries (all by default), building the missing ones
 * first, one at a time in CLUSTER_BINARIES order. Unknown names and a missing Go toolchain are errors.
 */
export async function ensureClusterBinaries(opts: EnsureClusterBinariesOptions): Promise<Record<string, string>> {
  const log = opts.log ?? (() => undefined);
  const known = CLUSTER_BINARIES.map((b) => b.name);
  const unknown = (opts.only ?? []).filter((n) => !known.includes(n));
  if (unknown.length > 0) throw new Error(`[cluster] unknown binary ${unknown.join(", ")}: choose from ${known.join(", ")}`);
  const wanted = CLUSTER_BINARIES.filter((b) => !opts.only || opts.only.includes(b.name));
  const result: Record<string, string> = {};
  const missing = wanted.filter((b) => !ready(path.dirname(path.dirname(clusterBinaryPath(opts.root, b)))));
  if (missing.length > 0 && spawnSync("go", ["version"], { encoding: "utf8" }).status !== 0) {
    throw new Error(
      `[cluster] Go >= 1.26 is needed once to build ${missing.map((b) => b.name).join(", ")} (https://go.dev/dl); install it and run again.`,
    );
  }
  for (const b of wanted) result[b.name] = await ensureClusterBinary(opts.root, b, log);
  return result;
}

/** The resolver a LocalCluster takes: `ensureClusterBinaries` for the repository at `root`. */
export function clusterBinaryResolver(root: string): (names: readonly string[], log: (line: string) => void) => Promise<Record<string, string>> {
  return (names, log) => ensureClusterBinaries({ root, log, only: [...names] });
}

if (require.main === module) {
  const only = process.argv.slice(2);
  ensureClusterBinaries({
    root: path.resolve(__dirname, "..", ".."),
    log: (l) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${l}\n`),
    only: only.length > 0 ? only : undefined,
  })
    .then((paths) => {
      for (const [name, p] of Object.entries(paths)) process.stdout.write(`${name}=${p}\n`);
    })
    .catch((err: Error) => {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    });
}
