/**
 * Pure builders for what points Flux at a Destination's directory in the State Store: the auth Secret,
 * a `source.toolkit.fluxcd.io/v1` GitRepository and two `kustomize.toolkit.fluxcd.io/v1` Kustomizations,
 * `<dest>-dependencies` then `<dest>-resources` (dependsOn the first, prune: true) — the Kratix layout.
 */
import { ValidationError, type FieldIssue } from "../errors";
import { PLATFORM_RECONCILER } from "../state-store/flux-index";
import { scopeBranch } from "../state-store/scope-refs";

export const FLUX_NAMESPACE = "flux-system";
export const GIT_REPOSITORY_API = "source.toolkit.fluxcd.io/v1";
export const KUSTOMIZATION_API = "kustomize.toolkit.fluxcd.io/v1";

export interface FluxSyncSpec {
  /** Destination name (DNS-1123): prefixes the Kustomizations. */
  destination: string;
  /** The destination's directory in the store (`eu/edge-1`). */
  destinationPath: string;
  /** Name of the GitRepository and its Secret (default `plinth-state-store`). */
  sourceName?: string;
  /** Git URL of the State Store. */
  url: string;
  branch: string;
  /** Directory of the whole store inside the repository ("" or "." for the repository root). */
  storePath?: string;
  /** Flux reconcile interval, e.g. `1m` (default) or `30s`. */
  interval?: string;
  namespace?: string;
  /**
   * `<dest>-resources` applies the destination's per-request index (`<destPath>/flux/`, one Kustomization
   * per request; see components/state-store/flux-index.ts) instead of `resources/` as a whole, so one
   * request's bad manifest does not stop the others.
   */
  perRequest?: boolean;
  /**
   * With `perRequest`: isolated revisions. `<dest>-dependencies` and `<dest>-resources` each read their own
   * GitRepository (same name) on the scope branch of their directory (components/state-store/scope-refs.ts),
   * as each request's Kustomization does, so a commit reconciles only what it changed.
   */
  isolated?: boolean;
  /** `retryInterval` of the Kustomizations (default `5s`) and their `timeout` (Flux's default when unset). */
  retryInterval?: string;
  timeout?: string;
  /**
   * Name of the Secret in the Flux namespace holding the destination's age key (`age.agekey`): the
   * Kustomizations decrypt SOPS-encrypted manifests with it (`decryption: {provider: sops, secretRef}`).
   */
  sopsSecret?: string;
}

/** The Secret holding a destination's age private key, as kustomize-controller reads it. */
export const SOPS_AGE_SECRET = "sops-age";
export const SOPS_AGE_KEY_FIELD = "age.agekey";

/** `decryption` of a Flux Kustomization that decrypts SOPS with the age key in `secret`. */
export function sopsDecryption(secret: string): { provider: "sops"; secretRef: { name: string } } {
  return { provider: "sops", secretRef: { name: secret } };
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [k: string]: unknown };
  [k: string]: unknown;
}

const DURATION = /^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/;
const DNS1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Checks a sync spec; every issue names its field. */
export function fluxSyncIssues(s: FluxSyncSpec): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (!DNS1123.test(s.destination) || s.destination.length > 50) {
    issues.push({ path: ["destination"], message: "must be a DNS-1123 label of at most 50 characters (it prefixes the Kustomization names)" });
  }
  if (!s.destinationPath || !s.destinationPath.split("/").every((p) => DNS1123.test(p))) {
    issues.push({ path: ["destinationPath"], message: "must be DNS-1123 labels joined by '/'" });
  }
  if (!/^(https?|ssh):\/\//.test(s.url)) issues.push({ path: ["url"], message: "must be an http(s):// or ssh:// Git URL" });
  if (!s.branch || /\s|\.\.|^\/|\/$/.test(s.branch)) issues.push({ path: ["branch"], message: "must be a Git branch name" });
  if (s.storePath !== undefined && s.storePath.split("/").some((p) => p === "..")) {
    issues.push({ path: ["storePath"], message: "must not contain '..'" });
  }
  for (const k of ["interval", "retryInterval", "timeout"] as const) {
    if (s[k] !== undefined && !DURATION.test(s[k]!)) issues.push({ path: [k], message: "must be a Go duration such as 30s, 1m or 1h" });
  }
  if (s.isolated && !s.perRequest) issues.push({ path: ["isolated"], message: "needs perRequest (isolated revisions are per request)" });
  return issues;
}

function assertValid(s: FluxSyncSpec): void {
  const issues = fluxSyncIssues(s);
  if (issues.length) throw new ValidationError(`invalid Flux sync for "${s.destination}": ${issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`, issues);
}

/** `./<storePath>/<destPath>/<sub>` with empty segments dropped. */
export function kustomizationPath(storePath: string | undefined, destinationPath: string, sub: "dependencies" | "resources" | "flux"): string {
  const parts = [...(storePath ?? "").split("/"), ...destinationPath.split("/"), sub].filter((p) => p && p !== ".");
  return `./${parts.join("/")}`;
}

export function sourceName(s: FluxSyncSpec): string {
  return s.sourceName ?? "plinth-state-store";
}

const LABELS = { "app.kubernetes.io/managed-by": "plinth" };

/** The `sops-age` Secret: the destination's age private key for kustomize-controller (a secret value). */
export function sopsAgeSecret<T>(s: FluxSyncSpec, identity: T): K8sObject {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: s.sopsSecret ?? SOPS_AGE_SECRET, namespace: s.namespace ?? FLUX_NAMESPACE, labels: LABELS },
    type: "Opaque",
    stringData: { [SOPS_AGE_KEY_FIELD]: identity },
  };
}

/** The Secret Flux uses for HTTP basic auth; values are filled in by the caller (they are secrets). */
export function gitAuthSecret<T>(s: FluxSyncSpec, username: T, password: T): K8sObject {
  assertValid(s);
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: `${sourceName(s)}-auth`, namespace: s.namespace ?? FLUX_NAMESPACE, labels: LABELS },
    type: "Opaque",
    stringData: { username, password },
  };
}

export function gitRepository(s: FluxSyncSpec): K8sObject {
  assertValid(s);
  return {
    apiVersion: GIT_REPOSITORY_API,
    kind: "GitRepository",
    metadata: { name: sourceName(s), namespace: s.namespace ?? FLUX_NAMESPACE, labels: LABELS },
    spec: {
      url: s.url,
      ref: { branch: s.branch },
      interval: s.interval ?? "1m",
      secretRef: { name: `${sourceName(s)}-auth` },
    },
  };
}

/**
 * With `isolated`: the GitRepositories `<dest>-dependencies` and `<dest>-resources`, each on the scope
 * branch of its directory with a sparse checkout of it. Empty otherwise.
 */
export function scopeGitRepositories(s: FluxSyncSpec): K8sObject[] {
  assertValid(s);
  if (!s.isolated) return [];
  const ns = s.namespace ?? FLUX_NAMESPACE;
  const base = (s.storePath ?? "").replace(/^\.?\/?|\/+$/g, "");
  return (["dependencies", "flux"] as const).map((sub) => ({
    apiVersion: GIT_REPOSITORY_API,
    kind: "GitRepository",
    metadata: { name: `${s.destination}-${sub === "flux" ? "resources" : sub}`, namespace: ns, labels: { ...LABELS, "plinth.dev/destination": s.destination } },
    spec: {
      url: s.url,
      ref: { branch: scopeBranch(base, `${s.destinationPath}/${sub}`) },
      interval: s.interval ?? "1m",
      secretRef: { name: `${sourceName(s)}-auth` },
      sparseCheckout: [kustomizationPath(s.storePath, s.destinationPath, sub).slice(2)],
    },
  }));
}

/** `<dest>-dependencies` and `<dest>-resources`; the second depends on the first. */
export function kustomizations(s: FluxSyncSpec): [K8sObject, K8sObject] {
  assertValid(s);
  const ns = s.namespace ?? FLUX_NAMESPACE;
  const make = (sub: "dependencies" | "resources"): K8sObject => ({
    apiVersion: KUSTOMIZATION_API,
    kind: "Kustomization",
    metadata: { name: `${s.destination}-${sub}`, namespace: ns, labels: { ...LABELS, "plinth.dev/destination": s.destination } },
    spec: {
      interval: s.interval ?? "1m",
      // A failed attempt (e.g. a CRD applied in the same revision not served yet) is retried in seconds, not
      // after a whole interval, as each request's own Kustomization is (flux-index.ts).
      retryInterval: s.retryInterval ?? "5s",
      ...(s.timeout ? { timeout: s.timeout } : {}),
      sourceRef: { kind: "GitRepository", name: s.isolated ? `${s.destination}-${sub}` : sourceName(s) },
      path: kustomizationPath(s.storePath, s.destinationPath, sub === "resources" && s.perRequest ? "flux" : sub),
      prune: true,
      // The platform's own account: kustomize-controller runs locked down (tenancy.ts), so a
      // Kustomization that names no account may do nothing.
      serviceAccountName: PLATFORM_RECONCILER,
      ...(s.sopsSecret ? { decryption: sopsDecryption(s.sopsSecret) } : {}),
      // Per request, `<dest>-resources` only applies Kustomization objects (each request's, or with isolated
      // revisions each index shard's, depends on `<dest>-dependencies` itself), so it need not wait first.
      ...(sub === "resources" && !s.perRequest ? { dependsOn: [{ name: `${s.destination}-dependencies` }] } : {}),
    },
  });
  return [make("dependencies"), make("resources")];
}
