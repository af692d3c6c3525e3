/**
 * OnPremDestination: k3s installed over SSH on the given hosts (first = server, rest = agents), its
 * kubeconfig fetched back as a secret, Flux bootstrapped onto it, registered as a Destination.
 * Arguments are validated before any resource exists.
 * Flux applies the destination's per-request index (`<path>/flux/`, cluster-flux.ts): its registration's
 * DestinationRoot must keep one (`clusterFluxIndex`), as the platform program's does.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { attachFlux } from "../../components/flux/attach";
import type { CrdObject } from "../../components/flux/crd-validate";
import type { FluxBootstrap } from "../../components/flux/flux-bootstrap";
import { assertClusterArgs, fluxStateStore, toDestinationSpec, type DestinationRegistration, type OnPremConfig, type OnPremConfigInput, type StateStoreArgs, type FluxConfigInput } from "../cluster-config";
import type { ResolvedDestination } from "../../components/vocabulary/destination";
import { clusterFluxArgs, type ClusterFluxOptions } from "../cluster-flux";
import * as b from "./builders";

export interface OnPremDestinationArgs extends ClusterFluxOptions {
  registration: DestinationRegistration;
  /** `privateKey` may be a string or an Output; it is stored as a secret either way. */
  onprem: Omit<OnPremConfigInput, "privateKey"> & { privateKey: string | pulumi.Output<string> };
  stateStore: StateStoreArgs;
  /** Flux's settings on the cluster (`fluxConfigSchema`: intervals, timeouts, concurrency, isolated). */
  flux?: FluxConfigInput;
  /** Flux's CRDs: `loadCrdDir(await ensureFluxCrds({ root }))`. */
  fluxCrds: readonly CrdObject[];
  /**
   * The destination's age private key (the platform stack's `AgeKey`, a Pulumi secret): applied as Secret
   * `flux-system/sops-age` through the cluster's provider; the Kustomizations decrypt SOPS with it.
   */
  sopsIdentity?: pulumi.Input<string>;
}

export class OnPremDestination extends pulumi.ComponentResource {
  /** Kubeconfig of the k3s cluster (secret: it holds the admin client key). */
  readonly kubeconfig: pulumi.Output<string>;
  readonly destination: ResolvedDestination;
  readonly server: string;
  readonly agents: string[];
  readonly flux: FluxBootstrap;

  constructor(name: string, args: OnPremDestinationArgs, opts?: pulumi.ComponentResourceOptions) {
    const keyIsOutput = pulumi.Output.isInstance(args.onprem.privateKey);
    const probe = { ...args.onprem, privateKey: keyIsOutput ? "(secret)" : args.onprem.privateKey };
    const cfg = assertClusterArgs("onprem", args.registration, probe, args.stateStore, args.flux);
    const onprem = cfg.onprem as OnPremConfig;
    super("plinth:onprem:OnPremDestination", name, {}, opts);
    const p = { parent: this };
    const key = pulumi.secret(args.onprem.privateKey);
    const server = b.serverHost(onprem);
    const secretStdout = { ...p, additionalSecretOutputs: ["stdout"] };

    const install = new command.remote.Command(
      `${name}-server`,
      { connection: b.connectionArgs(onprem, server, key), ...b.serverInstallCommand(onprem), triggers: [onprem.k3sVersion, server] },
      p,
    );
    const token = new command.remote.Command(
      `${name}-join-token`,
      { connection: b.connectionArgs(onprem, server, key), create: b.readFileCommand(b.K3S_TOKEN_PATH), logging: "none", triggers: [install.id] },
      { ...secretStdout, dependsOn: [install] },
    );
    const agents = b.agentHosts(onprem).map(
      (host, i) =>
        new command.remote.Command(
          `${name}-agent-${i}`,
          { connection: b.connectionArgs(onprem, host, key), ...b.agentInstallCommand(onprem), stdin: pulumi.secret(token.stdout), logging: "stderr", triggers: [onprem.k3sVersion, host, install.id] },
          { ...p, dependsOn: [token] },
        ),
    );
    const fetched = new command.remote.Command(
      `${name}-kubeconfig`,
      { connection: b.connectionArgs(onprem, server, key), create: b.readFileCommand(b.K3S_KUBECONFIG_PATH), logging: "none", triggers: [install.id] },
      { ...secretStdout, dependsOn: [install] },
    );

    this.server = server;
    this.agents = b.agentHosts(onprem);
    this.kubeconfig = pulumi.secret(fetched.stdout.apply((text) => b.rewriteK3sKubeconfig(text, server, name)));
    this.destination = toDestinationSpec(cfg, args.stateStore.name ?? "default");
    this.flux = attachFlux(this, name, {
      kubeconfig: this.kubeconfig,
      destination: this.destination.name,
      destinationPath: this.destination.path,
      stateStore: fluxStateStore(args.stateStore),
      ...clusterFluxArgs(cfg.flux, args.teams),
      crds: args.fluxCrds,
      sopsIdentity: args.sopsIdentity,
      dependsOn: [install, ...agents, ...(args.dependsOn ?? [])],
    }).flux;
    this.registerOutputs({ kubeconfig: this.kubeconfig, destination: this.destination, server: this.server, agents: this.agents });
  }
}
