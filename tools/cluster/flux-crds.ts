/**
 * Generates (once) Flux's CustomResourceDefinitions from Flux's own Go API modules with controller-gen.
 *
 * The wrapper module in ./controller-gen pins controller-gen and the source/kustomize/helm `api` modules
 * (go.mod/go.sum committed, binaries never). The CRDs go to a cache keyed by the hash of those pins,
 * `~/.cache/plinth/flux-crds/<hash>/crds/*.yaml`, so they are rebuilt only when a pin changes. No upstream
 * YAML is vendored into the repository.
 *
 *   npx tsx tools/cluster/flux-crds.ts      # prints the directory
 */
import { spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { acquireBuildLock } from "../build-lock";
import { runPhase } from "../run-phase";

/** The Flux API modules the CRDs come from (the versions source-controller v1.9.0 / kustomize-controller v1.9.6 use). */
export const FLUX_API_MODULES = [
  "github.com/fluxcd/source-controller/api",
  "github.com/fluxcd/kustomize-controller/api",
  "github.com/fluxcd/helm-controller/api",
] as const;
export const CONTROLLER_GEN_PKG = "sigs.k8s.io/controller-tools/cmd/controller-gen";

export interface EnsureFluxCrdsOptions {
  /** Repository root (holds tools/cluster/controller-gen/go.mod). */
  root: string;
  /** Progress sink, one line per call. */
  log?: (line: string) => void;
}

function cacheRoot(): string {
  if (process.env.PLINTH_FLUX_CRDS_DIR) return process.env.PLINTH_FLUX_CRDS_DIR;
  const base = process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache");
  return path.join(base, "plinth", "flux-crds");
}

/** Hash of everything that decides the output: the module pins and the generator arguments. */
export function fluxCrdsKey(root: string): string {
  const h = crypto.createHash("sha256");
  const mod = path.join(root, "tools", "cluster", "controller-gen");
  for (const f of ["go.mod", "go.sum"]) h.update(fs.readFileSync(path.join(mod, f)));
  h.update(generatorArgs("OUT").join(" "));
  return h.digest("hex").slice(0, 12);
}

function generatorArgs(outDir: string): string[] {
  return ["crd", ...FLUX_API_MODULES.map((m) => `paths=${m}/...`), `output:crd:dir=${outDir}`];
}


function crdsReady(dir: string): boolean {
  return fs.existsSync(path.join(dir, ".complete"));
}


/** The command that builds Flux's CRDs (with the rest of the toolchain); named by every "missing" error. */
export const FLUX_CRDS_COMMAND = "npm run toolchain";

/**
 * The directory of Flux's generated CRDs, without building: programs (`pulumi up`) only read what the
 * toolchain step built. Throws, naming the command to run, when they are missing.
 */
export function locateFluxCrds(root: string): string {
  const dir = path.join(cacheRoot(), fluxCrdsKey(root));
  if (crdsReady(dir)) return path.join(dir, "crds");
  throw new Error(`Flux's CRDs are not built (expected in ${path.join(dir, "crds")}): run \`${FLUX_CRDS_COMMAND}\` once, then run this again`);
}

/**
 * Returns the directory holding Flux's generated CRD files (one `<group>_<plural>.yaml` per kind),
 * building controller-gen and generating them first when the cache is missing or a pin changed.
 * Concurrent callers wait on a lock instead of generating twice.
 */
export async function ensureFluxCrds(opts: EnsureFluxCrdsOptions): Promise<string> {
  const log = opts.log ?? (() => undefined);
  const dir = path.join(cacheRoot(), fluxCrdsKey(opts.root));
  const crdDir = path.join(dir, "crds");
  if (crdsReady(dir)) return crdDir;
  if (spawnSync("go", ["version"], { encoding: "utf8" }).status !== 0) {
    throw new Error("[flux-crds] Go >= 1.26 is needed once to generate Flux's CRDs (https://go.dev/dl); install it and run again.");
  }
  fs.mkdirSync(dir, { recursive: true });
  const fd = await acquireBuildLock(path.join(dir, ".lock"), () => crdsReady(dir));
  if (fd === undefined) return crdDir;
  try {
    if (crdsReady(dir)) return crdDir;
    const started = Date.now();
    const modDir = path.join(opts.root, "tools", "cluster", "controller-gen");
    const env = { ...process.env, CGO_ENABLED: "0", GOFLAGS: "-mod=readonly" };
    log(`[flux-crds] generating Flux CRDs into ${crdDir} (cold: ~3 min on 2 cores; cached afterwards)`);
    await runPhase("flux-crds", "go", ["mod", "download"], modDir, env, "download Go modules", log);
    const bin = path.join(dir, "bin", "controller-gen");
    await runPhase("flux-crds", "go", ["build", "-trimpath", "-o", bin, CONTROLLER_GEN_PKG], modDir, env, "compile controller-gen", log);
    const tmp = `${crdDir}.tmp-${process.pid}`;
    fs.rmSync(tmp, { recursive: true, force: true });
    await runPhase("flux-crds", bin, generatorArgs(tmp), modDir, env, "controller-gen crd", log);
    const files = fs.readdirSync(tmp).filter((f) => f.endsWith(".yaml"));
    if (files.length === 0) throw new Error(`[flux-crds] controller-gen wrote no CRDs into ${tmp}`);
    fs.rmSync(crdDir, { recursive: true, force: true });
    fs.renameSync(tmp, crdDir);
    fs.writeFileSync(path.join(dir, ".complete"), `${files.sort().join("\n")}\n`);
    log(`[flux-crds] ready: ${files.length} CRDs in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return crdDir;
  } finally {
    fs.closeSync(fd);
    fs.rmSync(path.join(dir, ".lock"), { force: true });
  }
}

if (require.main === module) {
  ensureFluxCrds({ root: path.resolve(__dirname, "..", ".."), log: (l) => process.stderr.write(l + "\n") })
    .then((d) => process.stdout.write(`${d}\n`))
    .catch((err: Error) => {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    });
}
