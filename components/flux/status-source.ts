/**
 * What the platform needs to read from Flux on a cluster destination to close the loop on a request
 * (`Applied` condition, service/core/applied.ts). Cluster destinations implement it
 * (destinations/local-cluster/flux-status.ts); the service consumes it.
 */

/** What Flux reports for one Kustomization (`status` of kustomize.toolkit.fluxcd.io/v1). */
export interface FluxKustomizationState {
  ready?: { status: string; reason: string; message: string };
  lastAppliedRevision?: string;
  lastAttemptedRevision?: string;
}

/** One cluster destination as the tracker sees it. */
export interface ClusterStatusSource {
  destination: string;
  /** Name of the Flux Kustomization reconciling a request's directory on this destination. */
  kustomizationName(request: { namespace: string; promise: string; name: string }): string;
  /** The Kustomization's state, or undefined while it does not exist yet. */
  readKustomization(name: string): Promise<FluxKustomizationState | undefined>;
  /** Asks Flux to fetch the State Store now (`reconcile.fluxcd.io/requestedAt`). */
  /**
   * Asks Flux to fetch the State Store now (`reconcile.fluxcd.io/requestedAt`): the destination's sources
   * and, given a request, that request's own source where it has one.
   */
  requestReconcile(request?: { namespace: string; promise: string; name: string }): Promise<void>;
}
