import * as pulumi from "@pulumi/pulumi";
import { DestinationRoot } from "../../components/state-store/store-resources";
import { resolvedDestination, type DestinationSpec } from "../../components/vocabulary/destination";

export interface LocalDestinationArgs {
  spec: DestinationSpec;
}

/**
 * A Destination that is only a path in a State Store (no cluster is provisioned): whoever points Flux at
 * that path gets its Dependencies and Resources. Registers `<path>/dependencies` and `<path>/resources`.
 */
export class LocalDestination extends pulumi.ComponentResource {
  public readonly destination: pulumi.Output<Required<DestinationSpec>>;

  constructor(name: string, args: LocalDestinationArgs, opts?: pulumi.ComponentResourceOptions, type = "plinth:local:LocalDestination") {
    super(type, name, {}, opts);
    const spec = resolvedDestination(args.spec);
    const root = new DestinationRoot(`${name}-root`, { store: spec.stateStore, path: spec.path }, { parent: this });
    this.destination = root.commit.apply(() => spec);
    this.registerOutputs({ destination: this.destination });
  }
}
