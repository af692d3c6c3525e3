/**
 * What a Node.js program needs, read from its project's `node_modules`: the resource plugins of
 * installed packages that declare `"pulumi": { "resource": true }` (as Pulumi's Go host reports them),
 * and the program's declared dependencies with their installed versions (for `pulumi about`).
 */
import * as fs from "node:fs";
import * as path from "node:path";

export interface PluginRequirement {
  name: string;
  kind: "resource";
  /** `v`-prefixed semver. */
  version: string;
  server?: string;
}

interface PackageJson {
  name?: string;
  version?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  pulumi?: { resource?: boolean; name?: string; version?: string; server?: string };
}

/** The plugin a package.json declares, if any (`@pulumi/aws` → `aws`, `@acme/x` → `acme/x`). */
export function pluginOfPackage(pkg: PackageJson): PluginRequirement | undefined {
  if (!pkg.pulumi?.resource) return undefined;
  const fullName = pkg.pulumi.name ?? pkg.name;
  if (!fullName) return undefined;
  const name = fullName.startsWith("@pulumi/") ? fullName.slice("@pulumi/".length) : fullName.replace(/^@/, "");
  const raw = pkg.pulumi.version ?? pkg.version;
  if (!raw) return undefined;
  const version = raw.startsWith("v") ? raw : `v${raw}`;
  return { name, kind: "resource", version, ...(pkg.pulumi.server ? { server: pkg.pulumi.server } : {}) };
}

function readJson(file: string): PackageJson | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as PackageJson;
  } catch {
    return undefined;
  }
}

/** The nearest directory at or above `dir` that holds a package.json (the program's npm package). */
export function packageRoot(dir: string): string {
  let d = path.resolve(dir);
  for (;;) {
    if (fs.existsSync(path.join(d, "package.json"))) return d;
    const up = path.dirname(d);
    if (up === d) return path.resolve(dir);
    d = up;
  }
}

/** Top-level packages of `root/node_modules` (scoped ones included), as directories. */
function installedPackages(root: string): string[] {
  const nm = path.join(root, "node_modules");
  if (!fs.existsSync(nm)) return [];
  const out: string[] = [];
  for (const entry of fs.readdirSync(nm)) {
    if (entry.startsWith(".")) continue;
    const p = path.join(nm, entry);
    if (entry.startsWith("@")) {
      for (const sub of fs.readdirSync(p)) out.push(path.join(p, sub));
    } else out.push(p);
  }
  return out;
}

/** Plugins required by the program in `programDir`, deduplicated, sorted by name. */
export function requiredPlugins(programDir: string): PluginRequirement[] {
  const found = new Map<string, PluginRequirement>();
  for (const dir of installedPackages(packageRoot(programDir))) {
    const pkg = readJson(path.join(dir, "package.json"));
    const plugin = pkg && pluginOfPackage(pkg);
    if (plugin) found.set(`${plugin.name}@${plugin.version}`, plugin);
  }
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** Direct dependencies of the program's package with their installed versions (declared range when absent). */
export function programDependencies(programDir: string): { name: string; version: string }[] {
  const root = packageRoot(programDir);
  const pkg = readJson(path.join(root, "package.json")) ?? {};
  const deps = { ...pkg.dependencies, ...pkg.devDependencies };
  return Object.entries(deps)
    .map(([name, range]) => ({ name, version: readJson(path.join(root, "node_modules", name, "package.json"))?.version ?? range }))
    .sort((a, b) => a.name.localeCompare(b.name));
}
