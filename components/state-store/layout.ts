/**
 * Pure helpers for the Kratix `nestedByMetadata` State Store layout (DESIGN.md §4):
 *   <dest.path>/dependencies/<promise>/<pipeline>/<id5>/…
 *   <dest.path>/resources/<ns>/<promise>/<name>/<pipeline>/<id5>/…
 * Every name is a DNS-1123 label, so no directory built here can escape the repository.
 */
import { createHash } from "node:crypto";
import { ValidationError } from "../errors";
import { splitSafePath } from "./paths";
import { isDns1123Label } from "../vocabulary/names";

export { isDns1123Label };

/** Throws a ValidationError naming `field` unless `value` is a DNS-1123 label. */
export function assertDns1123Label(field: string, value: unknown): asserts value is string {
  if (isDns1123Label(value)) return;
  const shown = typeof value === "string" ? JSON.stringify(value) : String(value);
  const message = `must be a DNS-1123 label (1-63 characters of a-z, 0-9 and "-", starting and ending with a letter or digit), got ${shown}`;
  throw new ValidationError(`${field} ${message}`, [{ path: field.split("."), message }]);
}

/** Stable 5-hex-character id of a string (first 5 hex digits of its SHA-256), as Kratix names work dirs. */
export function shortId(input: string): string {
  return createHash("sha256").update(input, "utf8").digest("hex").slice(0, 5);
}

function assertShortId(field: string, id: string): void {
  if (typeof id === "string" && /^[a-z0-9]{1,63}$/.test(id)) return;
  const message = `must be a short lowercase id such as shortId(...) returns, got ${JSON.stringify(id)}`;
  throw new ValidationError(`${field} ${message}`, [{ path: [field], message }]);
}

/** Destination paths may be nested (`clusters/dev`) but every segment must be safe. */
function destinationSegments(destinationPath: string): string[] {
  return splitSafePath("destinationPath", destinationPath);
}

export interface DependenciesDirArgs {
  destinationPath: string;
  promise: string;
  pipeline: string;
  id: string;
}

/** `<destinationPath>/dependencies/<promise>/<pipeline>/<id>` */
export function dependenciesDir(args: DependenciesDirArgs): string {
  const dest = destinationSegments(args.destinationPath);
  assertDns1123Label("promise", args.promise);
  assertDns1123Label("pipeline", args.pipeline);
  assertShortId("id", args.id);
  return [...dest, "dependencies", args.promise, args.pipeline, args.id].join("/");
}

export interface ResourcesDirArgs {
  destinationPath: string;
  namespace: string;
  promise: string;
  name: string;
  pipeline: string;
  id: string;
}

/** `<destinationPath>/resources/<namespace>/<promise>/<name>/<pipeline>/<id>` */
export function resourcesDir(args: ResourcesDirArgs): string {
  const dest = destinationSegments(args.destinationPath);
  assertDns1123Label("namespace", args.namespace);
  assertDns1123Label("promise", args.promise);
  assertDns1123Label("name", args.name);
  assertDns1123Label("pipeline", args.pipeline);
  assertShortId("id", args.id);
  return [...dest, "resources", args.namespace, args.promise, args.name, args.pipeline, args.id].join("/");
}

/**
 * Text of a kustomization.yaml with no resources, so Flux Kustomizations pointed at an empty
 * dependencies/ or resources/ directory still build.
 */
export function emptyKustomization(): string {
  return "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n";
}

/** How many directory levels below `dependencies/` and `resources/` lead to a placement directory. */
const INDEX_LEVELS: Record<string, number> = { dependencies: 3, resources: 5 };

/**
 * The directories whose `kustomization.yaml` lists the directories below them, from a destination's
 * `dependencies/` or `resources/` root down to the parent of the placement directory `dir` (root first).
 * A `dir` outside the layout has none.
 */
export function kustomizationIndexDirs(dir: string): string[] {
  const segs = dir.split("/");
  for (let i = segs.length - 1; i >= 0; i--) {
    const levels = INDEX_LEVELS[segs[i]];
    if (levels !== undefined && segs.length - i - 1 === levels) {
      const out: string[] = [];
      for (let j = i; j < segs.length - 1; j++) out.push(segs.slice(0, j + 1).join("/"));
      return out;
    }
  }
  return [];
}

/** Text of a kustomization.yaml listing the given subdirectories. */
export function indexKustomization(subdirs: readonly string[]): string {
  if (subdirs.length === 0) return emptyKustomization();
  // Quoted: a directory id such as 66139 or 79e70 would otherwise read as a YAML number and fail the build.
  return `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n${subdirs.map((d) => `  - ${JSON.stringify(d)}\n`).join("")}`;
}

/**
 * A placement's files with a `kustomization.yaml` at its root: kept when the workflow wrote one,
 * otherwise generated listing every YAML file (sorted), so `kubectl kustomize` and Flux build it.
 */
export function withKustomization(files: Record<string, string>): Record<string, string> {
  if ("kustomization.yaml" in files || "kustomization.yml" in files || "Kustomization" in files) return files;
  const yamls = Object.keys(files)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
  return { ...files, "kustomization.yaml": indexKustomization(yamls) };
}
