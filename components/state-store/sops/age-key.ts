import * as pulumi from "@pulumi/pulumi";

/** Resource token of a destination's age key pair, served by the `plinth` provider. */
export const AGE_KEY_TYPE = "plinth:index:AgeKey";

export interface AgeKeyArgs {
  /** The destination the key belongs to. */
  destination: pulumi.Input<string>;
  /**
   * Bump to rotate (`plinth:destinations[].sopsKeyRotation`): the update makes a new pair and keeps the
   * one before it as `previousIdentity` until the next rotation (SopsRekey re-encrypts Git meanwhile).
   */
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
  /** The identity before the last rotation ("" before any): still decrypts what was not re-encrypted yet. */
  declare public readonly previousIdentity: pulumi.Output<string>;

  constructor(name: string, args: AgeKeyArgs, opts?: pulumi.CustomResourceOptions) {
    super(AGE_KEY_TYPE, name, { ...args, recipient: undefined, identity: undefined, previousIdentity: undefined }, { ...opts, additionalSecretOutputs: ["identity", "previousIdentity"] });
  }

  /** The age key file (`age.agekey`): the current identity, then the previous one if any (a secret). */
  keyFile(): pulumi.Output<string> {
    return pulumi.secret(pulumi.all([this.identity, this.previousIdentity]).apply(([id, prev]) => [id, prev].filter(Boolean).join("\n")));
  }
}
