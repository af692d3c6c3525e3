/**
 * Kubernetes API discovery: `/version`, `/api`, `/api/v1`, `/apis`, `/apis/<group>`, `/apis/<group>/<version>`,
 * and the aggregated form (`apidiscovery.k8s.io/v2` `APIGroupDiscoveryList`) that kubectl ≥ 1.30 asks for
 * first. All pure: built from the kinds served now.
 */
import { apiVersionOf, groupsOf, type KubeKind } from "./kinds";
import { NAMESPACES_RESOURCE } from "./namespaces";

export const KUBE_VERSION = { major: "1", minor: "32" };

export function versionInfo(): Record<string, string> {
  return {
    major: KUBE_VERSION.major,
    minor: KUBE_VERSION.minor,
    gitVersion: `v${KUBE_VERSION.major}.${KUBE_VERSION.minor}.0+plinth`,
    gitCommit: "",
    gitTreeState: "clean",
    buildDate: "",
    goVersion: "",
    compiler: "plinth",
    platform: `${process.platform}/${process.arch}`,
  };
}

/** Core `/api`: kubectl needs v1 to exist; Plinth serves only (read-only) namespaces there. */
export function apiVersions(serverAddress: string): unknown {
  return { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }] };
}

export function coreResourceList(): unknown {
  return { kind: "APIResourceList", groupVersion: "v1", resources: [NAMESPACES_RESOURCE] };
}

function apiGroup(name: string, versions: string[]): unknown {
  const list = versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
  return { name, versions: list, preferredVersion: list[0] };
}

export function apiGroupList(kinds: readonly KubeKind[]): unknown {
  const groups = [...groupsOf(kinds)].filter(([g]) => g !== "").map(([g, versions]) => apiGroup(g, [...versions.keys()]));
  return { kind: "APIGroupList", apiVersion: "v1", groups };
}

export function apiGroupOf(kinds: readonly KubeKind[], group: string): unknown | undefined {
  const versions = groupsOf(kinds).get(group);
  return versions ? { kind: "APIGroup", apiVersion: "v1", ...(apiGroup(group, [...versions.keys()]) as object) } : undefined;
}

export function apiResourceList(kinds: readonly KubeKind[], group: string, version: string): unknown | undefined {
  const list = groupsOf(kinds).get(group)?.get(version);
  if (!list) return undefined;
  const resources = list.flatMap((k) => [
    {
      name: k.plural,
      singularName: k.singular,
      namespaced: k.namespaced,
      kind: k.kind,
      verbs: k.verbs,
      ...(k.shortNames.length ? { shortNames: k.shortNames } : {}),
      ...(k.categories.length ? { categories: k.categories } : {}),
    },
    ...(k.promise ? [{ name: `${k.plural}/status`, singularName: "", namespaced: true, kind: k.kind, verbs: ["get"] }] : []),
  ]);
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion: apiVersionOf({ group, version }), resources };
}

/** Content type of aggregated discovery answers (kubectl checks it to tell them from legacy ones). */
export const AGGREGATED_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
export const AGGREGATED_V2BETA1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";

/** The aggregated-discovery content type the Accept header asks for, or undefined (legacy discovery). */
export function wantsAggregated(accept: string | undefined): string | undefined {
  const offers = (accept ?? "").split(",").map((s) => s.replace(/\s+/g, "").toLowerCase());
  for (const o of offers) {
    if (o.startsWith("application/json") && o.includes("as=apigroupdiscoverylist") && o.includes("g=apidiscovery.k8s.io")) {
      if (o.includes("v=v2beta1")) return AGGREGATED_V2BETA1;
      if (o.includes("v=v2")) return AGGREGATED_V2;
    }
  }
  return undefined;
}

function discoveryResource(k: KubeKind): unknown {
  const responseKind = { group: k.group, version: k.version, kind: k.kind };
  return {
    resource: k.plural,
    responseKind,
    scope: k.namespaced ? "Namespaced" : "Cluster",
    singularResource: k.singular,
    verbs: k.verbs,
    ...(k.shortNames.length ? { shortNames: k.shortNames } : {}),
    ...(k.categories.length ? { categories: k.categories } : {}),
    ...(k.promise ? { subresources: [{ subresource: "status", responseKind, verbs: ["get"] }] } : {}),
  };
}

/** `/apis` (or `/api` with `core`) as an `APIGroupDiscoveryList`. */
export function aggregatedDiscovery(kinds: readonly KubeKind[], contentType: string, core: boolean): unknown {
  const apiVersion = contentType === AGGREGATED_V2BETA1 ? "apidiscovery.k8s.io/v2beta1" : "apidiscovery.k8s.io/v2";
  const items = core
    ? [
        {
          metadata: { creationTimestamp: null },
          versions: [
            {
              version: "v1",
              resources: [{ resource: "namespaces", responseKind: { group: "", version: "v1", kind: "Namespace" }, scope: "Cluster", singularResource: "namespace", verbs: ["get", "list"], shortNames: ["ns"] }],
              freshness: "Current",
            },
          ],
        },
      ]
    : [...groupsOf(kinds)]
        .filter(([g]) => g !== "")
        .map(([g, versions]) => ({
          metadata: { name: g, creationTimestamp: null },
          versions: [...versions].map(([v, ks]) => ({ version: v, resources: ks.map(discoveryResource), freshness: "Current" })),
        }));
  return { kind: "APIGroupDiscoveryList", apiVersion, metadata: {}, items };
}
