import * as pulumi from "@pulumi/pulumi";

/** Resource token of a State Store's connection check, served by the `plinth` provider. */
export const STATE_STORE_TYPE = "plinth:index:StateStore";
/** Resource token of a destination's root directories in a State Store. */
export const DESTINATION_ROOT_TYPE = "plinth:index:DestinationRoot";

export interface StateStoreRefArgs {
  /** Name the provider resolves to a Git writer. */
  store: pulumi.Input<string>;
}

/**
 * Proves a State Store is reachable with its credentials before anything is written to it (create and
 * update fetch the branch); outputs the remote URL (without credentials), branch, path and head.
 */
export class StateStoreRef extends pulumi.CustomResource {
  declare public readonly url: pulumi.Output<string>;
  declare public readonly branch: pulumi.Output<string>;
  declare public readonly path: pulumi.Output<string>;
  declare public readonly head: pulumi.Output<string>;

  constructor(name: string, args: StateStoreRefArgs, opts?: pulumi.CustomResourceOptions) {
    super(STATE_STORE_TYPE, name, { ...args, url: undefined, branch: undefined, path: undefined, head: undefined }, opts);
  }
}

export interface DestinationRootArgs {
  store: pulumi.Input<string>;
  /** The destination's path in the store. */
  path: pulumi.Input<string>;
  /**
   * Keep a per-request Flux index under `<path>/flux/` (see flux-index.ts) for a cluster destination whose
   * Flux applies that directory: the Flux namespace and the destination's name.
   */
  flux?: pulumi.Input<{ namespace: string; destination: string; url?: string; secretName?: string; interval?: string; retryInterval?: string; timeout?: string; sopsSecret?: string }>;
}

/**
 * A destination's `<path>/dependencies/` and `<path>/resources/`, each always holding a valid
 * `kustomization.yaml` (kept listing the directories below it), so a Flux Kustomization on an empty
 * destination never fails. Delete removes the destination's whole directory.
 */
export class DestinationRoot extends pulumi.CustomResource {
  declare public readonly commit: pulumi.Output<string>;

  constructor(name: string, args: DestinationRootArgs, opts?: pulumi.CustomResourceOptions) {
    super(DESTINATION_ROOT_TYPE, name, { ...args, commit: undefined }, opts);
  }
}
