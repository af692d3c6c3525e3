/**
 * Kratix paths for command steps: each step runs in its own private mount namespace where its temporary
 * directory is bind-mounted on `/kratix` (so `/kratix/input/object.yaml`, `/kratix/output` and
 * `/kratix/metadata` are where Kratix pipeline images expect them) and the directory holding every
 * step's temporary directory is hidden under an empty tmpfs (two steps running at once cannot see each
 * other's files). As root this is `unshare --mount`; otherwise a user namespace (`unshare -r -m`), which
 * needs `/kratix` to exist already. Where neither works, installing a Promise with command steps fails.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { HTTP_STATUS, PlinthError } from "../../errors";

export type MountMode = "root" | "userns";

/** Where steps' temporary directories live (hidden inside each step's namespace). */
export function stepsBaseDir(): string {
  return path.join(os.tmpdir(), "plinth-steps");
}

/** The shell run inside the namespace: `$1` = the step dir, `$2` = the dir to hide; then the command. */
const INNER = 'set -e; d="$1"; h="$2"; shift 2; mkdir -p /kratix; mount --bind "$d" /kratix; mount -t tmpfs -o size=1m,mode=0755 plinth-hidden "$h"; cd /kratix; exec "$@"';

/** argv running `file args` with `dir` on /kratix in a private mount namespace. */
export function mountedArgv(mode: MountMode, dir: string, hide: string, file: string, args: readonly string[]): [string, string[]] {
  const ns = mode === "root" ? ["--mount", "--propagation", "private"] : ["--user", "--map-root-user", "--mount", "--propagation", "private"];
  return ["unshare", [...ns, "--", "/bin/sh", "-c", INNER, "plinth-step", dir, hide, file, ...args]];
}

let probed: { mode: MountMode } | { error: string } | undefined;

/** Forgets the probe's answer (tests). */
export function resetKratixMountProbe(): void {
  probed = undefined;
}

/** Which namespace kind works on this host (probed once, by running a step-shaped command). */
export function kratixMountMode(): { mode: MountMode } | { error: string } {
  if (probed) return probed;
  if (process.platform !== "linux") return (probed = { error: `command steps need Linux mount namespaces to show /kratix; this host is ${process.platform}` });
  const base = stepsBaseDir();
  fs.mkdirSync(base, { recursive: true });
  const dir = fs.mkdtempSync(path.join(base, "probe-"));
  fs.mkdirSync(path.join(dir, "input"));
  const reasons: string[] = [];
  try {
    const modes: MountMode[] = process.getuid?.() === 0 ? ["root", "userns"] : ["userns"];
    for (const mode of modes) {
      const [file, args] = mountedArgv(mode, dir, base, "/bin/sh", ["-c", "test -d /kratix/input && ! test -e " + JSON.stringify(dir)]);
      const r = spawnSync(file, args, { encoding: "utf8", timeout: 10_000, env: { PATH: process.env.PATH ?? "/usr/bin:/bin" } });
      if (r.status === 0) return (probed = { mode });
      reasons.push(`${mode === "root" ? "unshare --mount" : "unshare -r -m"}: ${(r.error?.message ?? r.stderr ?? "").trim() || `exit ${r.status}`}`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return (probed = { error: reasons.join("; ") });
}

/** Throws a clear error when command steps cannot get their /kratix paths on this host. */
export function assertKratixMounts(what: string): MountMode {
  const m = kratixMountMode();
  if ("mode" in m) return m.mode;
  throw new PlinthError(
    "KratixMountUnavailable",
    `${what} has command steps, which run with /kratix/input, /kratix/output and /kratix/metadata mounted in a private mount namespace, but this host allows none (${m.error}). Run Plinth as root, or allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1) and create an empty /kratix directory`,
    { reason: m.error },
    HTTP_STATUS.validation,
  );
}

/** The Kratix `KRATIX_OBJECT_*` variables of an object (`apiVersion` `group/version`, kind, name, namespace). */
export function objectEnv(object: unknown): Record<string, string> {
  const o = (object ?? {}) as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
  const apiVersion = typeof o.apiVersion === "string" ? o.apiVersion : "";
  const slash = apiVersion.lastIndexOf("/");
  return {
    KRATIX_OBJECT_KIND: typeof o.kind === "string" ? o.kind : "",
    KRATIX_OBJECT_GROUP: slash >= 0 ? apiVersion.slice(0, slash) : "",
    KRATIX_OBJECT_VERSION: slash >= 0 ? apiVersion.slice(slash + 1) : apiVersion,
    KRATIX_OBJECT_NAME: typeof o.metadata?.name === "string" ? o.metadata.name : "",
    KRATIX_OBJECT_NAMESPACE: typeof o.metadata?.namespace === "string" ? o.metadata.namespace : "",
  };
}

/** The absolute path of `file` (looked up on `PATH` when it has no slash), or undefined. */
export function resolveExecutable(file: string, pathEnv: string): string | undefined {
  const ok = (p: string) => {
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return fs.statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (file.includes("/")) return ok(file) ? file : undefined;
  for (const d of pathEnv.split(":")) if (d && ok(path.join(d, file))) return path.join(d, file);
  return undefined;
}
