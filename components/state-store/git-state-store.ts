import * as pulumi from "@pulumi/pulumi";
import { StateStoreRef } from "./store-resources";

export interface GitStateStoreArgs {
  /** Store name: what Placements and Destinations refer to. */
  store: string;
  /** Clone URL shown to users and Flux (never with credentials). */
  url: pulumi.Input<string>;
  branch: pulumi.Input<string>;
  /** Path prefix inside the repository. */
  path: pulumi.Input<string>;
}

/**
 * A Git State Store as the platform registers it. Its child `StateStoreRef` checks that the remote is
 * reachable with the configured credentials before any destination or promise writes to it: make
 * writers depend on this component.
 */
export class GitStateStore extends pulumi.ComponentResource {
  public readonly name: pulumi.Output<string>;
  public readonly url: pulumi.Output<string>;
  public readonly branch: pulumi.Output<string>;
  public readonly path: pulumi.Output<string>;
  public readonly head: pulumi.Output<string>;

  constructor(name: string, args: GitStateStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super("plinth:state-store:GitStateStore", name, {}, opts);
    const ref = new StateStoreRef(`${name}-remote`, { store: args.store }, { parent: this });
    this.name = pulumi.output(args.store);
    this.url = pulumi.output(args.url);
    this.branch = pulumi.output(args.branch);
    this.path = pulumi.output(args.path);
    this.head = ref.head;
    this.registerOutputs({ name: this.name, url: this.url, branch: this.branch, path: this.path, head: this.head });
  }
}
