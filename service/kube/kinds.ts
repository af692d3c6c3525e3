/**
 * The Kubernetes resource model of what the service serves: each installed Promise's API as a namespaced
 * custom resource (like a CRD would), and the platform registry as read-only cluster-scoped kinds in
 * `platform.plinth.dev/v1alpha1`.
 */
import type { RegistryEntry } from "../../components/promise/types";
import type { PlatformService } from "../core/types";

export const REGISTRY_GROUP = "platform.plinth.dev";
export const REGISTRY_VERSION = "v1alpha1";

export type RegistryResource = "promises" | "destinations" | "statestores";

export interface KubeKind {
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  namespaced: boolean;
  verbs: string[];
  categories: string[];
  /** The Promise serving it; undefined for the registry kinds. */
  promise?: RegistryEntry;
  registry?: RegistryResource;
}

export const REQUEST_VERBS = ["create", "delete", "get", "list", "patch", "update", "watch"];
const READ_VERBS = ["get", "list"];

export function apiVersionOf(k: Pick<KubeKind, "group" | "version">): string {
  return k.group ? `${k.group}/${k.version}` : k.version;
}

function registryKind(kind: string, plural: RegistryResource, shortNames: string[]): KubeKind {
  return {
    group: REGISTRY_GROUP,
    version: REGISTRY_VERSION,
    kind,
    plural,
    singular: kind.toLowerCase(),
    shortNames,
    namespaced: false,
    verbs: READ_VERBS,
    categories: [],
    registry: plural,
  };
}

export const REGISTRY_KINDS: readonly KubeKind[] = [
  registryKind("Promise", "promises", []),
  registryKind("Destination", "destinations", ["dest"]),
  registryKind("StateStore", "statestores", []),
];

/** The kind of an installed Promise (apiVersion `group/version`). */
export function promiseKind(entry: RegistryEntry): KubeKind {
  const slash = entry.apiVersion.lastIndexOf("/");
  return {
    group: slash >= 0 ? entry.apiVersion.slice(0, slash) : "",
    version: slash >= 0 ? entry.apiVersion.slice(slash + 1) : entry.apiVersion,
    kind: entry.kind,
    plural: entry.plural.toLowerCase(),
    singular: entry.kind.toLowerCase(),
    shortNames: [],
    namespaced: true,
    verbs: REQUEST_VERBS,
    // `kubectl get plinth` lists every request of every Promise.
    categories: ["plinth"],
    promise: entry,
  };
}

/** Every kind served now (Promises come and go with the platform's `up`). */
export function kubeKinds(service: Pick<PlatformService, "promises">): KubeKind[] {
  return [...service.promises().map(promiseKind), ...REGISTRY_KINDS];
}

/** Group → its versions (sorted, newest-looking first) → kinds. */
export function groupsOf(kinds: readonly KubeKind[]): Map<string, Map<string, KubeKind[]>> {
  const groups = new Map<string, Map<string, KubeKind[]>>();
  for (const k of kinds) {
    const versions = groups.get(k.group) ?? new Map<string, KubeKind[]>();
    groups.set(k.group, versions);
    versions.set(k.version, [...(versions.get(k.version) ?? []), k]);
  }
  for (const [g, versions] of groups) groups.set(g, new Map([...versions].sort(([a], [b]) => compareVersions(b, a))));
  return groups;
}

/** Kubernetes version priority: GA > beta > alpha, then by number (`v1` > `v1beta2` > `v1alpha1`). */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [0, 0, 0];
    const stage = m[2] === undefined ? 3 : m[2] === "beta" ? 2 : 1;
    return [stage, Number(m[1]), Number(m[3] ?? 0)];
  };
  const [pa, pb] = [parse(a), parse(b)];
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
  return a.localeCompare(b);
}

/** The kind served at `/apis/<group>/<version>/<resource>`, or undefined. */
export function findKind(kinds: readonly KubeKind[], group: string, version: string, resource: string): KubeKind | undefined {
  return kinds.find((k) => k.group === group && k.version === version && k.plural === resource);
}
