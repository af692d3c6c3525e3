/**
 * An application team's own Pulumi program consuming Plinth: a `@pulumi/kubernetes` Provider pointed at
 * the team's Plinth kubeconfig (`plinth kubeconfig`, or `.plinth/kubeconfig` from `npm start`) creates the
 * Kratix Marketplace `redis` example as a custom resource, waits until Plinth reports it `Ready`, and
 * exports the request's `status.outputs` as this stack's outputs — for `pulumi stack output` or another
 * stack's `StackReference`.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

export interface AppTeamArgs {
  /** Contents of the team's kubeconfig (holds its token: kept as a secret). */
  kubeconfig: pulumi.Input<string>;
  /** Request name (default `example`, as in the Kratix example). */
  name?: string;
  /** `small` or `large` (the Kratix Redis API). */
  size?: "small" | "large";
}

export function appTeamProgram(args: AppTeamArgs): () => Promise<Record<string, pulumi.Output<unknown>>> {
  return async () => {
    const provider = new k8s.Provider("plinth", { kubeconfig: pulumi.secret(args.kubeconfig) });
    // The Kratix Marketplace example (test/fixtures/kratix/redis.yaml) as a custom resource.
    const redis = new k8s.apiextensions.CustomResource(
      "redis",
      {
        apiVersion: "marketplace.kratix.io/v1alpha1",
        kind: "redis",
        metadata: {
          name: args.name ?? "example",
          // Plinth's Ready condition: the request's files are written to its destinations.
          annotations: { "pulumi.com/waitFor": "condition=Ready" },
        },
        spec: { size: args.size ?? "small" },
        // Declared so the provider's read-back of `status` becomes an output of this resource.
        status: undefined,
      },
      { provider },
    );
    const status = (redis as unknown as { status: pulumi.Output<{ outputs?: Record<string, unknown> } | undefined> }).status;
    return {
      name: redis.metadata.name,
      namespace: redis.metadata.namespace,
      instanceName: status.apply((s) => s?.outputs?.instanceName),
      sentinel: status.apply((s) => s?.outputs?.sentinel),
    };
  };
}
