import * as pulumi from "@pulumi/pulumi";
import { Placement, placementArgs } from "../state-store/placement";
import { Action } from "../workflow/actions/resource";
import { actionStates } from "./request";
import { asResourceError } from "./errors";
import { checkInstallation, planInstallation, type InstallationInput } from "./install-plan";
import type { RegistryEntry } from "./types";

export const PROMISE_INSTALLATION_TYPE = "plinth:promise:PromiseInstallation";

export type PromiseInstallationArgs = InstallationInput;

/** One written directory, as the installation reports it. */
export interface PlacementSummary {
  name: string;
  destination: string;
  dir: string;
  files: string[];
}

/**
 * Installs a Promise: validates its config (defaults applied) and required Promises, runs its promise
 * configure workflow, and writes its Dependencies and workflow output to every matching Destination as
 * `Placement` children; each action its workflow declares is an `Action` child `<name>-<pipeline>-<step>`
 * (undone when the installation is destroyed). `registry` is what the platform stack exports about it.
 */
export class PromiseInstallation extends pulumi.ComponentResource {
  public readonly registry: pulumi.Output<RegistryEntry>;
  public readonly placements: pulumi.Output<PlacementSummary[]>;
  /** `<pipeline>/<step>` → what each action's handler returned. */
  public readonly actions: pulumi.Output<Record<string, Record<string, unknown>>>;

  constructor(name: string, args: PromiseInstallationArgs, opts?: pulumi.ComponentResourceOptions) {
    super(PROMISE_INSTALLATION_TYPE, name, { promise: args.promise?.name, version: args.promise?.version }, opts);
    let config: unknown;
    try {
      config = checkInstallation(args).config;
    } catch (err) {
      throw asResourceError(err, this);
    }
    const done = planInstallation(name, args, config, this).then(
      (plan) => {
        for (const p of plan.placements) new Placement(p.name, placementArgs(p), { parent: this });
        const actions = plan.actions.map((a) => ({ step: a.step, action: new Action(a.resourceName, { kind: a.kind, inputs: a.inputs, step: a.step }, { parent: this }) }));
        return Object.assign(plan, { actionResources: actions });
      },
      (err) => {
        throw asResourceError(err, this);
      },
    );
    this.registry = pulumi.output(done.then((p) => p.registry)) as unknown as pulumi.Output<RegistryEntry>;
    this.placements = pulumi.output(
      done.then((p) => p.placements.map((x) => ({ name: x.name, destination: x.destination, dir: x.dir, files: Object.keys(x.files).sort() }))),
    );
    this.actions = actionStates(done.then((p) => p.actionResources));
    this.registerOutputs({ registry: this.registry, placements: this.placements, actions: this.actions });
  }
}
