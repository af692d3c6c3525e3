import * as pulumi from "@pulumi/pulumi";
import { DestinationRoot, type DestinationRootArgs } from "../../components/state-store/store-resources";
import { AgeKey } from "../../components/state-store/sops/age-key";
import { SopsRekey } from "../../components/state-store/sops/rekey";
import { resolvedDestination, type DestinationSpec, type ResolvedDestination } from "../../components/vocabulary/destination";

export interface LocalDestinationArgs {
  spec: DestinationSpec;
  /**
   * Create the destination's age key (default true): every Secret written here is SOPS-encrypted to
   * it. Without one, plaintext Secrets are refused unless `spec.secrets.allowPlaintextSecrets`.
   */
  sopsKey?: boolean;
  /** Bump to rotate the age key (`sopsKeyRotation`): everything here is re-encrypted to the new one in one commit. */
  sopsKeyRotation?: number;
  /**
   * Keep the per-request Flux index under `<path>/flux/` (flux-index.ts): the registration of a
   * provisioned cluster whose Flux applies it (destinations/cluster-flux.ts `clusterFluxIndex`).
   */
  flux?: DestinationRootArgs["flux"];
}

/**
 * A Destination that is only a path in a State Store (no cluster is provisioned): whoever points Flux at
 * that path gets its Dependencies and Resources. Registers `<path>/dependencies` and `<path>/resources`.
 */
export class LocalDestination extends pulumi.ComponentResource {
  public readonly destination: pulumi.Output<ResolvedDestination>;
  /** The destination's age key file (current and previous identity; a Pulumi secret), when it has one. */
  public readonly sopsIdentity: pulumi.Output<string> | undefined;

  constructor(name: string, args: LocalDestinationArgs, opts?: pulumi.ComponentResourceOptions, type = "plinth:local:LocalDestination") {
    super(type, name, {}, opts);
    const spec = resolvedDestination(args.spec);
    const root = new DestinationRoot(`${name}-root`, { store: spec.stateStore, path: spec.path, ...(args.flux ? { flux: args.flux } : {}) }, { parent: this });
    const key = args.sopsKey === false ? undefined : new AgeKey(`${name}-age`, { destination: spec.name, rotation: args.sopsKeyRotation ?? 0 }, { parent: this });
    if (key) new SopsRekey(`${name}-rekey`, { store: spec.stateStore, dir: spec.path, recipient: key.recipient, identities: key.keyFile() }, { parent: this, dependsOn: [root] });
    this.sopsIdentity = key?.keyFile();
    this.destination = pulumi.all([root.commit, key?.recipient]).apply(([, recipient]) => withRecipient(spec, recipient));
    this.registerOutputs({ destination: this.destination });
  }
}

/** The spec with the destination's age recipient (Secrets written there are encrypted to it). */
export function withRecipient(spec: ResolvedDestination, recipient: string | undefined): ResolvedDestination {
  return recipient ? { ...spec, secrets: { ...(spec.secrets ?? {}), sopsRecipient: recipient } } : spec;
}
