import * as pulumi from "@pulumi/pulumi";

/** Resource token of a destination's re-encryption to its current age key, served by the `plinth` provider. */
export const SOPS_REKEY_TYPE = "plinth:index:SopsRekey";

export interface SopsRekeyArgs {
  store: pulumi.Input<string>;
  /** The destination's directory in the store (its path). */
  dir: pulumi.Input<string>;
  /** The destination's current age recipient. */
  recipient: pulumi.Input<string>;
  /** The age key file (current and previous identity, a secret) that opens what Git holds now. */
  identities: pulumi.Input<string>;
}

/**
 * Keeps every SOPS file under a destination's directory encrypted to its current recipient: after a key
 * rotation, each file still encrypted to another key is decrypted and re-encrypted to the new one, all in
 * one commit (README "Secrets"). Nothing to do (no commit) when every file is current.
 */
export class SopsRekey extends pulumi.CustomResource {
  declare public readonly commit: pulumi.Output<string>;
  /** Files re-encrypted by the last create/update. */
  declare public readonly rekeyed: pulumi.Output<string[]>;

  constructor(name: string, args: SopsRekeyArgs, opts?: pulumi.CustomResourceOptions) {
    super(SOPS_REKEY_TYPE, name, { ...args, identities: pulumi.secret(args.identities), commit: undefined, rekeyed: undefined }, opts);
  }
}
