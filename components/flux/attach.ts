/**
 * What every cluster Destination does once its kubeconfig exists: a Kubernetes provider for the cluster
 * and a FluxBootstrap on it that watches the destination's directory in the State Store.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { CrdObject } from "./crd-validate";
import type { FluxConcurrency, FluxControllersMode } from "./controllers";
import { FluxBootstrap, type FluxStateStoreArgs } from "./flux-bootstrap";

export interface AttachFluxArgs {
  /** Secret kubeconfig of the new cluster. */
  kubeconfig: pulumi.Output<string>;
  destination: string;
  destinationPath: string;
  stateStore: FluxStateStoreArgs;
  interval?: string;
  crds: readonly CrdObject[];
  controllers?: FluxControllersMode;
  perRequest?: boolean;
  isolated?: boolean;
  retryInterval?: string;
  timeout?: string;
  concurrency?: FluxConcurrency;
  /** With `perRequest`: teams applied as their own ServiceAccounts (FluxBootstrap `teams`). */
  teams?: readonly { name: string; namespaces: readonly string[] }[];
  /** The destination's age private key: the `sops-age` Secret Flux decrypts SOPS manifests with. */
  sopsIdentity?: pulumi.Input<string>;
  /**
   * When this resource is deleted, the Flux objects are not deleted one by one (e.g. a local cluster that
   * is no longer running when its destination is removed from config).
   */
  deletedWith?: pulumi.Resource;
  /** Resources the cluster must have before Kubernetes objects are applied (e.g. the node group). */
  dependsOn?: pulumi.Resource[];
}

export interface AttachedFlux {
  provider: k8s.Provider;
  flux: FluxBootstrap;
}

/** Creates `<name>-k8s` (provider) and `<name>-flux` (FluxBootstrap) as children of `parent`. */
export function attachFlux(parent: pulumi.ComponentResource, name: string, args: AttachFluxArgs): AttachedFlux {
  // Secrets are updated in place (a rotated sops-age key, new Git credentials): a replacement of a
  // same-named object would create, then delete it.
  const provider = new k8s.Provider(
    `${name}-k8s`,
    { kubeconfig: args.kubeconfig, enableServerSideApply: true, enableSecretMutable: true },
    { parent, dependsOn: args.dependsOn, deletedWith: args.deletedWith },
  );
  const flux = new FluxBootstrap(
    `${name}-flux`,
    {
      provider,
      destination: args.destination,
      destinationPath: args.destinationPath,
      stateStore: args.stateStore,
      interval: args.interval,
      crds: args.crds,
      controllers: args.controllers,
      perRequest: args.perRequest,
      isolated: args.isolated,
      retryInterval: args.retryInterval,
      timeout: args.timeout,
      concurrency: args.concurrency,
      teams: args.teams,
      sopsIdentity: args.sopsIdentity,
    },
    { parent, dependsOn: args.dependsOn, deletedWith: args.deletedWith },
  );
  return { provider, flux };
}
