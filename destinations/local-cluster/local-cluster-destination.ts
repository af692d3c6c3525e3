import * as pulumi from "@pulumi/pulumi";
import { attachFlux } from "../../components/flux/attach";
import type { CrdObject } from "../../components/flux/crd-validate";
import type { FluxStateStoreArgs } from "../../components/flux/flux-bootstrap";
import { FLUX_NAMESPACE } from "../../components/flux/sync";
import { DestinationRoot } from "../../components/state-store/store-resources";
import { AgeKey } from "../../components/state-store/sops/age-key";
import { SopsRekey } from "../../components/state-store/sops/rekey";
import { SOPS_AGE_SECRET } from "../../components/flux/sync";
import { withRecipient } from "../local/local-destination";
import { resolvedDestination, type DestinationSpec, type ResolvedDestination } from "../../components/vocabulary/destination";

export interface LocalClusterDestinationArgs {
  spec: DestinationSpec;
  /** Admin kubeconfig of the running local cluster (`LocalCluster.kubeconfig`); kept as a Pulumi secret. */
  kubeconfig: pulumi.Input<string>;
  /** How Flux on the cluster reaches the State Store (clone URL on loopback and its credentials). */
  stateStore: FluxStateStoreArgs;
  /** Flux's CRDs (`loadCrdDir(await ensureFluxCrds({ root }))`). */
  crds: readonly CrdObject[];
  /** Flux's poll interval (default `1m`; Plinth also asks Flux to reconcile after every commit). */
  interval?: string;
  /** Isolated revisions (default true): each request, the dependencies and the index are their own Flux source. */
  isolated?: boolean;
  /** Kustomizations' `retryInterval` and `timeout` (the destination's own). */
  retryInterval?: string;
  timeout?: string;
  /** Flux settings of each request's Kustomization and GitRepository (flux-index.ts). */
  requestFlux?: { interval?: string; retryInterval?: string; timeout?: string };
  /** `plinth:teams`: each team's requests are applied as its own ServiceAccount (Flux lockdown). */
  teams?: readonly { name: string; namespaces: readonly string[] }[];
  /** Bump to rotate the age key (`sopsKeyRotation`): Flux gets the new key, then Git is re-encrypted in one commit. */
  sopsKeyRotation?: number;
}

/**
 * A Destination that is a real Kubernetes API server on this machine (`LocalCluster`: etcd,
 * kube-apiserver and Flux's source and kustomize controllers as local processes). Registers the
 * destination's directories with a per-request Flux index, then bootstraps Flux on the cluster through
 * `@pulumi/kubernetes`: CRDs, the controllers' ServiceAccounts and RBAC (the controllers run outside the
 * cluster as those identities), the State Store's GitRepository + auth Secret and the two Kustomizations.
 */
export class LocalClusterDestination extends pulumi.ComponentResource {
  public readonly destination: pulumi.Output<ResolvedDestination>;
  /** The destination's age private key (a Pulumi secret; on the cluster as Secret `flux-system/sops-age`). */
  public readonly sopsIdentity: pulumi.Output<string>;
  /** Names of the Flux Kustomizations (`<dest>-dependencies`, `<dest>-resources`). */
  public readonly kustomizations: pulumi.Output<string[]>;

  constructor(name: string, args: LocalClusterDestinationArgs, opts?: pulumi.ComponentResourceOptions) {
    super("plinth:local-cluster:LocalClusterDestination", name, {}, opts);
    const spec = resolvedDestination(args.spec);
    const key = new AgeKey(`${name}-age`, { destination: spec.name, rotation: args.sopsKeyRotation ?? 0 }, { parent: this });
    const root = new DestinationRoot(
      `${name}-root`,
      // `url`: isolated revisions — each request (and the destination's dependencies and index) is its own
      // Flux source on its scope branch, so a commit reconciles only what it changed.
      { store: spec.stateStore, path: spec.path, flux: { namespace: FLUX_NAMESPACE, destination: spec.name, sopsSecret: SOPS_AGE_SECRET, ...(args.isolated === false ? {} : { url: args.stateStore.url }), ...definedOf(args.requestFlux ?? {}) } },
      { parent: this },
    );
    const { flux } = attachFlux(this, name, {
      kubeconfig: pulumi.secret(args.kubeconfig),
      destination: spec.name,
      destinationPath: spec.path,
      stateStore: args.stateStore,
      interval: args.interval,
      crds: args.crds,
      controllers: "external",
      perRequest: true,
      isolated: args.isolated !== false,
      retryInterval: args.retryInterval,
      timeout: args.timeout,
      teams: args.teams,
      sopsIdentity: key.keyFile(),
      dependsOn: [root],
      // Switching `dev` back to a path-only destination (npm start without --cluster) must not need the
      // cluster running: its objects are left in the cluster's own data dir.
      deletedWith: root,
    });
    // After a rotation Flux holds both keys first; only then is Git re-encrypted (one commit).
    new SopsRekey(`${name}-rekey`, { store: spec.stateStore, dir: spec.path, recipient: key.recipient, identities: key.keyFile() }, { parent: this, dependsOn: [root, flux] });
    this.sopsIdentity = key.keyFile();
    this.destination = pulumi.all([root.commit, key.recipient]).apply(([, recipient]) => withRecipient(spec, recipient));
    this.kustomizations = pulumi.output(flux.kustomizationNames);
    this.registerOutputs({ destination: this.destination, kustomizations: this.kustomizations });
  }
}

function definedOf<T extends Record<string, string | undefined>>(o: T): Record<string, string> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Record<string, string>;
}
