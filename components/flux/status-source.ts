/**
 * What the platform needs to read from Flux on a cluster destination to close the loop on a request
 * (`Applied` and `Healthy` conditions, service/core/applied.ts). components/flux/kube-status.ts implements
 * it over `@kubernetes/client-node` for every cluster kind; the service consumes it.
 */

export interface FluxCondition {
  status: string;
  reason: string;
  message: string;
}

/** What Flux reports for one Kustomization (`status` of kustomize.toolkit.fluxcd.io/v1). */
export interface FluxKustomizationState {
  ready?: FluxCondition;
  lastAppliedRevision?: string;
  lastAttemptedRevision?: string;
  /**
   * Only for a Kustomization that runs health checks (`spec.wait` or `spec.healthChecks`): its `Healthy`
   * condition (kstatus of what it applied), or, before Flux wrote one, what `Ready` says about health.
   */
  health?: FluxCondition;
}

/** One cluster destination as the tracker sees it. */
export interface ClusterStatusSource {
  destination: string;
  /** Name of the Flux Kustomization reconciling a request's directory on this destination. */
  kustomizationName(request: { namespace: string; promise: string; name: string }): string;
  /** The Kustomization's state, or undefined while it does not exist yet. */
  readKustomization(name: string): Promise<FluxKustomizationState | undefined>;
  /**
   * Asks Flux to fetch the State Store now (`reconcile.fluxcd.io/requestedAt`): the destination's sources
   * and, given a request, that request's own source where it has one.
   */
  requestReconcile(request?: { namespace: string; promise: string; name: string }): Promise<void>;
  /**
   * Optional: calls `onChange(name)` whenever the Kustomization `name` changed on the cluster (a watch),
   * and `onChange(undefined)` when any may have changed unseen (the watch was re-listed). Returns a stop
   * function. Sources without it are polled.
   */
  watch?(onChange: (name: string | undefined) => void): () => void;
}

export interface KustomizationObject {
  metadata?: { name?: string; resourceVersion?: string };
  spec?: { wait?: boolean; healthChecks?: unknown[] };
  status?: {
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    lastAppliedRevision?: string;
    lastAttemptedRevision?: string;
  };
}

/** Pure: the state of a Kustomization object as the API server returned it. */
export function kustomizationState(k: KustomizationObject): FluxKustomizationState {
  const cond = (type: string): FluxCondition | undefined => {
    const c = k.status?.conditions?.find((x) => x.type === type);
    return c ? { status: c.status, reason: c.reason ?? "", message: c.message ?? "" } : undefined;
  };
  const ready = cond("Ready");
  const checks = k.spec?.wait === true || (k.spec?.healthChecks?.length ?? 0) > 0;
  let health: FluxCondition | undefined;
  if (checks) {
    health = cond("Healthy");
    // kustomize-controller marks Ready=False/HealthCheckFailed (and Healthy=False) when a check fails.
    if (ready?.reason === "HealthCheckFailed") health = { status: "False", reason: "HealthCheckFailed", message: ready.message };
    health ??= { status: "Unknown", reason: "Progressing", message: "waiting for Flux's health checks" };
  }
  return {
    ready,
    lastAppliedRevision: k.status?.lastAppliedRevision,
    lastAttemptedRevision: k.status?.lastAttemptedRevision,
    ...(health ? { health } : {}),
  };
}
