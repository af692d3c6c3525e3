/** What scheduling needs to know about a Destination, however it was provisioned (DESIGN.md §4). */
import { isDns1123Label, labelIssues, type FieldIssue } from "./names";

export interface DestinationSpec {
  /** DNS-1123 label, unique among destinations. */
  name: string;
  labels: Record<string, string>;
  /** Directory of this destination in its State Store; defaults to `name`. */
  path?: string;
  /** When true, work without selectors that match this destination is never scheduled here. */
  strictMatchLabels?: boolean;
  /** Name of the State Store Flux on this destination reads. */
  stateStore: string;
  /** How Secrets written here are protected (README "Secrets"); default: no key, plaintext refused. */
  secrets?: DestinationSecrets;
}

export interface DestinationSecrets {
  /** The destination's age public key (`age1…`): every Secret written here is SOPS-encrypted to it. */
  sopsRecipient?: string;
  /** Without a key, plaintext Secrets may be written here (path-only dev destinations only). */
  allowPlaintextSecrets?: boolean;
  /** `false`: the platform creates no age key for this destination (default: one unless plaintext is allowed). */
  sopsKey?: boolean;
}

/** The destination's directory in its State Store. */
export function destinationPath(d: Pick<DestinationSpec, "name" | "path">): string {
  return d.path ?? d.name;
}

/** A registration with its defaults filled in (`secrets` stays optional: absent = no key). */
export type ResolvedDestination = Required<Omit<DestinationSpec, "secrets">> & Pick<DestinationSpec, "secrets">;

/** The registration with its defaults filled in: path = name, not strict. */
export function resolvedDestination(d: DestinationSpec): ResolvedDestination {
  const r: ResolvedDestination = { name: d.name, labels: d.labels, path: destinationPath(d), strictMatchLabels: d.strictMatchLabels ?? false, stateStore: d.stateStore };
  return d.secrets ? { ...r, secrets: d.secrets } : r;
}

/** A path made of DNS-1123 labels joined by '/' (e.g. `eu/edge-1`): cannot escape the store. */
export function isSafeDestinationPath(p: unknown): p is string {
  return typeof p === "string" && p.length > 0 && p.length <= 253 && p.split("/").every(isDns1123Label);
}

/**
 * Checks a set of destinations: DNS-1123 names, unique names and paths, safe paths (DNS-1123 segments),
 * no path nested inside another, valid labels, a State Store named. Returns every issue found.
 */
export function validateDestinations(list: readonly DestinationSpec[]): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (!Array.isArray(list)) return [{ path: [], message: "destinations must be a list" }];
  const names = new Map<string, number>();
  const paths = new Map<string, number>();
  list.forEach((d, i) => {
    if (typeof d !== "object" || d === null) {
      issues.push({ path: [i], message: "must be an object with name, labels, stateStore" });
      return;
    }
    if (!isDns1123Label(d.name)) {
      issues.push({ path: [i, "name"], message: `"${String(d.name)}" must be a DNS-1123 label (lowercase alphanumerics and '-', ≤ 63)` });
    } else if (names.has(d.name)) {
      issues.push({ path: [i, "name"], message: `"${d.name}" is already the name of destinations[${names.get(d.name)}]` });
    } else names.set(d.name, i);
    issues.push(...labelIssues(d.labels ?? {}, [i, "labels"]));
    if (d.strictMatchLabels !== undefined && typeof d.strictMatchLabels !== "boolean") {
      issues.push({ path: [i, "strictMatchLabels"], message: "must be true or false" });
    }
    if (typeof d.stateStore !== "string" || d.stateStore.length === 0) {
      issues.push({ path: [i, "stateStore"], message: "must name the State Store this destination reads" });
    }
    const p = d.path ?? d.name;
    if (!isSafeDestinationPath(p)) {
      issues.push({ path: [i, "path"], message: `"${String(p)}" must be DNS-1123 labels joined by '/', e.g. "eu/edge-1"` });
      return;
    }
    const key = `${d.stateStore}\u0000${p}`;
    if (paths.has(key)) {
      issues.push({ path: [i, "path"], message: `"${p}" is already the path of destinations[${paths.get(key)}] in the same State Store` });
      return;
    }
    for (const [other, j] of paths) {
      const [store, op] = other.split("\u0000");
      if (store !== d.stateStore) continue;
      if (p.startsWith(op + "/") || op.startsWith(p + "/")) {
        issues.push({ path: [i, "path"], message: `"${p}" and the path "${op}" of destinations[${j}] are nested; paths must not contain each other` });
      }
    }
    paths.set(key, i);
  });
  return issues;
}
