import * as pulumi from "@pulumi/pulumi";

/** Resource token of a destination's age key pair, served by the `plinth` provider. */
export const AGE_KEY_TYPE = "plinth:index:AgeKey";

export interface AgeKeyArgs {
  /** The destination the key belongs to. */
  destination: pulumi.Input<string>;
  /** Bump to rotate: a new key pair replaces the old one. */
  rotation?: pulumi.Input<number>;
}

/**
 * A destination's age key pair (X25519), generated once by the provider and kept in the stack state
 * across `up`s: `recipient` (public, what Secrets are SOPS-encrypted to) and `identity` (the private key,
 * a Pulumi secret; on cluster destinations it becomes the `sops-age` Secret kustomize-controller uses).
 */
export class AgeKey extends pulumi.CustomResource {
  declare public readonly recipient: pulumi.Output<string>;
  declare public readonly identity: pulumi.Output<string>;

  constructor(name: string, args: AgeKeyArgs, opts?: pulumi.CustomResourceOptions) {
    super(AGE_KEY_TYPE, name, { ...args, recipient: undefined, identity: undefined }, { ...opts, additionalSecretOutputs: ["identity"] });
  }
}
