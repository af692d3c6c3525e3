/**
 * The per-request Flux index of a cluster Destination (opt-in per destination):
 *
 *   <dest.path>/flux/kustomization.yaml          lists every file below, `namespace: <flux namespace>`
 *   <dest.path>/flux/<kustomization name>.yaml   one `kustomize.toolkit.fluxcd.io/v1` Kustomization per
 *                                                request, path `<dest.path>/resources/<ns>/<promise>/<name>`
 *
 * Flux's `<dest>-resources` Kustomization applies `<dest.path>/flux`, so every request is reconciled by
 * its own Kustomization: a request whose manifests the API server rejects fails alone (with Flux's
 * message in that Kustomization's status) while the destination's other requests keep being applied, and
 * removing a request's directory prunes its Kustomization and, through Flux's finalizer, its objects.
 */
import { createHash } from "node:crypto";
import { stringify } from "yaml";

export const FLUX_INDEX_DIR = "flux";
/**
 * The platform's own account on a destination (Flux's kustomize-controller): the destination's
 * `-dependencies` and `-resources` Kustomizations and requests of unrestricted (`"*"`) teams run as it.
 */
export const PLATFORM_RECONCILER = "kustomize-controller";

/** The ServiceAccount (in the Flux namespace) a team's requests are applied as: `plinth-team-<team>`. */
export function teamServiceAccountName(team: string): string {
  return `plinth-team-${team}`;
}
/** The GitRepository every per-request Kustomization reads (FluxBootstrap's default source name). */
export const FLUX_INDEX_SOURCE = "plinth-state-store";

export interface FluxIndexOptions {
  /** Namespace of Flux's objects on the destination (`flux-system`). */
  namespace: string;
  /** The destination's name (prefixes Kustomization names, as FluxBootstrap's do). */
  destination: string;
  /** Secret with the destination's age key: each request's Kustomization decrypts SOPS with it. */
  sopsSecret?: string;
}

export interface RequestDir {
  /** The destination's directory (`dev`, `eu/edge-1`). */
  destinationPath: string;
  namespace: string;
  promise: string;
  name: string;
}

/**
 * The request a placement directory belongs to: `<dest>/resources/<ns>/<promise>/<name>[/…]`, or
 * undefined for any other directory (dependencies, destination roots).
 */
export function requestDirOf(dir: string): RequestDir | undefined {
  const segs = dir.split("/");
  for (let i = segs.length - 4; i >= 1; i--) {
    if (segs[i] === "resources") {
      return { destinationPath: segs.slice(0, i).join("/"), namespace: segs[i + 1], promise: segs[i + 2], name: segs[i + 3] };
    }
  }
  return undefined;
}

/**
 * Name of a request's Kustomization on its destination: `<dest>-<ns>-<promise>-<name>`, or when that
 * exceeds 63 characters (Flux labels applied objects with it) a prefix of it plus a hash of the whole.
 */
export function requestKustomizationName(destination: string, r: Pick<RequestDir, "namespace" | "promise" | "name">): string {
  const full = `${destination}-${r.namespace}-${r.promise}-${r.name}`;
  if (full.length <= 63) return full;
  const hash = createHash("sha256").update(full).digest("hex").slice(0, 10);
  return `${full.slice(0, 52).replace(/-+$/, "")}-${hash}`;
}

/**
 * The Kustomization object (YAML) that reconciles one request's directory, as `serviceAccountName` (its
 * team's account; without one, kustomize-controller's locked-down `--default-service-account`), decrypting
 * SOPS-encrypted Secrets with the `sopsSecret` age key when the destination has one.
 */
export function requestKustomization(r: RequestDir, o: { basePath: string; destination: string; serviceAccountName?: string; sopsSecret?: string }): string {
  const path = ["", ...o.basePath.split("/"), ...r.destinationPath.split("/"), "resources", r.namespace, r.promise, r.name].filter((p, i) => i === 0 || p).join("/");
  return stringify({
    apiVersion: "kustomize.toolkit.fluxcd.io/v1",
    kind: "Kustomization",
    metadata: {
      name: requestKustomizationName(o.destination, r),
      labels: {
        "app.kubernetes.io/managed-by": "plinth",
        "plinth.dev/request-namespace": r.namespace,
        "plinth.dev/promise": r.promise,
        "plinth.dev/request-name": r.name,
      },
    },
    spec: {
      interval: "10m",
      retryInterval: "5s",
      sourceRef: { kind: "GitRepository", name: FLUX_INDEX_SOURCE },
      path: `.${path}`,
      prune: true,
      ...(o.sopsSecret ? { decryption: { provider: "sops", secretRef: { name: o.sopsSecret } } } : {}),
      dependsOn: [{ name: dependenciesKustomizationName(o.destination) }],
      ...(o.serviceAccountName ? { serviceAccountName: o.serviceAccountName } : {}),
    },
  });
}

/** The `serviceAccountName` of a request Kustomization written by `requestKustomization`. */
export function serviceAccountOf(kustomization: string | undefined): string | undefined {
  return kustomization === undefined ? undefined : /^ {2}serviceAccountName: (\S+)$/m.exec(kustomization)?.[1];
}

/**
 * `kustomization.yaml` of the flux directory: its files, all put in the Flux namespace and labelled with
 * the destination (so `kubectl get kustomizations -l plinth.dev/destination=dev` lists a destination's).
 */
export function fluxIndexKustomization(o: FluxIndexOptions, files: readonly string[]): string {
  const resources = files.length ? `resources:\n${[...files].sort().map((f) => `  - ${JSON.stringify(f)}\n`).join("")}` : "resources: []\n";
  const sops = o.sopsSecret ? `# plinth.dev/sops-secret: ${o.sopsSecret}\n` : "";
  return `${sops}apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: ${o.namespace}\nlabels:\n  - pairs:\n      plinth.dev/destination: ${o.destination}\n${resources}`;
}

/** The options recorded in a flux directory's kustomization.yaml (undefined when it is not one). */
export function fluxIndexOptions(kustomization: string): FluxIndexOptions | undefined {
  const namespace = /^namespace: (\S+)$/m.exec(kustomization)?.[1];
  const destination = /^ +plinth\.dev\/destination: (\S+)$/m.exec(kustomization)?.[1];
  const sopsSecret = /^# plinth\.dev\/sops-secret: (\S+)$/m.exec(kustomization)?.[1];
  if (!namespace || !destination) return undefined;
  return sopsSecret ? { namespace, destination, sopsSecret } : { namespace, destination };
}

/** Name of the destination's dependencies Kustomization (FluxBootstrap's `<dest>-dependencies`). */
export function dependenciesKustomizationName(destination: string): string {
  return `${destination}-dependencies`;
}
