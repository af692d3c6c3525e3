/**
 * FluxBootstrap: installs Flux (CRDs generated from Flux's API modules, source/kustomize/helm controllers
 * at pinned releases) on any cluster reachable through a Kubernetes provider, and points it at the
 * destination's directory in the State Store (auth Secret, GitRepository, two Kustomizations).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ValidationError } from "../errors";
import { fluxControllerObjects, type FluxConcurrency, type FluxControllersMode } from "./controllers";
import type { CrdObject } from "./crd-validate";
import { restrictedTeams, teamReconcilerObjects } from "./tenancy";
import { FLUX_NAMESPACE, SOPS_AGE_SECRET, fluxSyncIssues, gitAuthSecret, gitRepository, kustomizations, scopeGitRepositories, sopsAgeSecret, type FluxSyncSpec, type K8sObject } from "./sync";

export interface FluxStateStoreArgs {
  url: string;
  branch: string;
  /** Directory of the store inside the repository ("" for the root). */
  path?: string;
  username: pulumi.Input<string>;
  /** Stored as a Pulumi secret whatever is passed. */
  password: pulumi.Input<string>;
}

export interface FluxBootstrapArgs {
  /** Provider for the target cluster. */
  provider: k8s.Provider;
  destination: string;
  destinationPath: string;
  stateStore: FluxStateStoreArgs;
  /** Reconcile interval of the GitRepository and Kustomizations (default `1m`). */
  interval?: string;
  /** Flux's CRDs, e.g. `loadCrdDir(await ensureFluxCrds(...))`. Must hold GitRepository and Kustomization. */
  crds: readonly CrdObject[];
  namespace?: string;
  /** `in-cluster` (default): Deployments; `external`: the controllers run outside, only their RBAC is applied. */
  controllers?: FluxControllersMode;
  /** Reconcile each request with its own Kustomization (the destination's `flux/` index). */
  perRequest?: boolean;
  /** With `perRequest`: a GitRepository per scope (sync.ts `isolated`); the index must be written with `url`. */
  isolated?: boolean;
  /** Kustomizations' `retryInterval` (default `5s`) and `timeout`. */
  retryInterval?: string;
  timeout?: string;
  /** In-cluster controllers' `--concurrent` workers. */
  concurrency?: FluxConcurrency;
  /**
   * With `perRequest`: the teams (`plinth:teams`) whose requests are applied as their own ServiceAccount
   * (Flux multi-tenancy lockdown, see tenancy.ts): their namespaces, accounts and RBAC are created here.
   */
  teams?: readonly { name: string; namespaces: readonly string[] }[];
  /**
   * The destination's age private key (a Pulumi secret): applied as the `sops-age` Secret, and every
   * Kustomization decrypts SOPS-encrypted Secrets with it.
   */
  sopsIdentity?: pulumi.Input<string>;
}

/** The sync spec FluxBootstrap builds its objects from. */
export function fluxSyncSpec(args: Omit<FluxBootstrapArgs, "provider" | "crds" | "controllers" | "concurrency">): FluxSyncSpec {
  return {
    destination: args.destination,
    destinationPath: args.destinationPath,
    url: args.stateStore.url,
    branch: args.stateStore.branch,
    storePath: args.stateStore.path,
    interval: args.interval,
    namespace: args.namespace,
    perRequest: args.perRequest,
    ...(args.sopsIdentity !== undefined ? { sopsSecret: SOPS_AGE_SECRET } : {}),
    isolated: args.isolated,
    retryInterval: args.retryInterval,
    timeout: args.timeout,
  };
}

const REQUIRED_CRDS = ["gitrepositories.source.toolkit.fluxcd.io", "kustomizations.kustomize.toolkit.fluxcd.io"];

/** Throws a ValidationError naming the field before any resource exists. */
export function assertFluxBootstrapArgs(args: FluxBootstrapArgs): void {
  const issues = fluxSyncIssues(fluxSyncSpec(args));
  const names = new Set((args.crds ?? []).map((c) => c.metadata?.name));
  for (const n of REQUIRED_CRDS) {
    if (!names.has(n)) issues.push({ path: ["crds"], message: `is missing ${n}: pass loadCrdDir(await ensureFluxCrds({ root }))` });
  }
  if (issues.length) {
    throw new ValidationError(`FluxBootstrap "${args.destination}": ${issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`, issues);
  }
}

/** Creates the Pulumi resource for one plain Kubernetes object. */
function objectResource(name: string, obj: K8sObject, opts: pulumi.CustomResourceOptions): pulumi.CustomResource {
  const { apiVersion, kind, ...rest } = obj;
  // One object of many kinds: each constructor below takes its own args type.
  const a = rest as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- see above
  switch (`${apiVersion}/${kind}`) {
    case "v1/Namespace":
      return new k8s.core.v1.Namespace(name, a, opts);
    case "v1/ServiceAccount":
      return new k8s.core.v1.ServiceAccount(name, a, opts);
    case "v1/Service":
      return new k8s.core.v1.Service(name, a, opts);
    case "v1/Secret":
      return new k8s.core.v1.Secret(name, a, { ...opts, additionalSecretOutputs: ["data", "stringData"] });
    case "apps/v1/Deployment":
      return new k8s.apps.v1.Deployment(name, a, opts);
    case "rbac.authorization.k8s.io/v1/ClusterRole":
      return new k8s.rbac.v1.ClusterRole(name, a, opts);
    case "rbac.authorization.k8s.io/v1/RoleBinding":
      return new k8s.rbac.v1.RoleBinding(name, a as k8s.rbac.v1.RoleBindingArgs, opts);
    case "rbac.authorization.k8s.io/v1/ClusterRoleBinding":
      return new k8s.rbac.v1.ClusterRoleBinding(name, a as k8s.rbac.v1.ClusterRoleBindingArgs, opts);
    case "apiextensions.k8s.io/v1/CustomResourceDefinition":
      return new k8s.apiextensions.v1.CustomResourceDefinition(name, a as k8s.apiextensions.v1.CustomResourceDefinitionArgs, opts);
    default:
      return new k8s.apiextensions.CustomResource(name, { apiVersion, kind, ...a }, opts);
  }
}

export class FluxBootstrap extends pulumi.ComponentResource {
  readonly namespace: string;
  readonly gitRepositoryName: string;
  /** `[<dest>-dependencies, <dest>-resources]`. */
  readonly kustomizationNames: string[];
  /** The Kustomization paths Flux reconciles, in order. */
  readonly paths: string[];

  constructor(name: string, args: FluxBootstrapArgs, opts?: pulumi.ComponentResourceOptions) {
    assertFluxBootstrapArgs(args);
    super("plinth:flux:FluxBootstrap", name, {}, opts);
    const spec = fluxSyncSpec(args);
    const ns = args.namespace ?? FLUX_NAMESPACE;
    // `deletedWith` on the component reaches every object (the SDK does not pass it to children itself).
    const base: pulumi.CustomResourceOptions = { parent: this, provider: args.provider, ...(opts?.deletedWith ? { deletedWith: opts.deletedWith } : {}) };

    const crds = [...args.crds].map((c) => objectResource(`${name}-crd-${c.metadata.name}`, c as unknown as K8sObject, base));
    const [nsObj, ...controllerObjs] = fluxControllerObjects(ns, args.controllers, args.concurrency);
    const namespace = objectResource(`${name}-namespace`, nsObj, base);
    const after = { ...base, dependsOn: [namespace, ...crds] };
    const controllers = controllerObjs.map((o) => objectResource(`${name}-${o.kind.toLowerCase()}-${o.metadata.name}`, o, after));

    const username = pulumi.output(args.stateStore.username);
    const password = pulumi.secret(args.stateStore.password);
    const secretObj = gitAuthSecret<pulumi.Output<string>>(spec, username, password);
    const secret = objectResource(`${name}-git-auth`, secretObj, after);
    const repoObj = gitRepository(spec);
    const repo = objectResource(`${name}-gitrepository`, repoObj, { ...after, dependsOn: [namespace, ...crds, secret, ...controllers] });
    const scopeRepos = scopeGitRepositories(spec).map((o) => objectResource(`${name}-gitrepository-${o.metadata.name}`, o, { ...after, dependsOn: [namespace, ...crds, secret, ...controllers] }));
    // Each team's requests are applied as its own account (perRequest index entries name it).
    const tenancy = args.perRequest
      ? teamReconcilerObjects(restrictedTeams(args.teams ?? []), ns).map((o) =>
          objectResource(
            `${name}-tenancy-${o.kind.toLowerCase()}-${o.metadata.namespace && o.kind === "RoleBinding" ? `${o.metadata.namespace}-` : ""}${o.metadata.name}`,
            o,
            // A team namespace outlives its team's removal from config (its objects are the team's).
            o.kind === "Namespace" ? { ...after, retainOnDelete: true } : after,
          ),
        )
      : [];
    const sops = args.sopsIdentity !== undefined ? [objectResource(`${name}-sops-age`, sopsAgeSecret(spec, pulumi.secret(args.sopsIdentity)), after)] : [];
    const [deps, res] = kustomizations(spec);
    const depsRes = objectResource(`${name}-${deps.metadata.name}`, deps, { ...after, dependsOn: [namespace, ...crds, repo, ...scopeRepos, ...sops] });
    objectResource(`${name}-${res.metadata.name}`, res, { ...after, dependsOn: [namespace, ...crds, repo, ...scopeRepos, depsRes, ...tenancy, ...sops] });

    this.namespace = ns;
    this.gitRepositoryName = repoObj.metadata.name;
    this.kustomizationNames = [deps.metadata.name, res.metadata.name];
    this.paths = [(deps.spec as { path: string }).path, (res.spec as { path: string }).path];
    this.registerOutputs({ namespace: this.namespace, gitRepositoryName: this.gitRepositoryName, kustomizationNames: this.kustomizationNames, paths: this.paths });
  }
}
