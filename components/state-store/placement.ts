import * as pulumi from "@pulumi/pulumi";
import { holdsSecret } from "./sops/manifests";

/** Resource token of a placement: one directory of one State Store, owned and rewritten whole. */
export const PLACEMENT_TYPE = "plinth:index:Placement";

export interface PlacementArgs {
  /** Name of the State Store (a key the `plinth` provider resolves to a Git writer). */
  store: pulumi.Input<string>;
  /** Directory inside the store, relative to the store's root path, e.g. `dev/resources/default/namespace/team-a/configure/3f2a1`. */
  dir: pulumi.Input<string>;
  /** Files of the directory: relative path → content. The directory is rewritten to exactly these. */
  files: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /**
   * A request's placement: the ServiceAccount (in the destination's Flux namespace) its Kustomization
   * applies the request's directory as, on destinations with a per-request flux index — the request's
   * team's (tenancy). Omitted for Dependencies.
   */
  serviceAccountName?: pulumi.Input<string>;
  /** A request's placement whose Promise asks for health checks: its Kustomization waits (`wait: true`). */
  health?: pulumi.Input<{ timeout?: string }>;
  /**
   * Secrets: SOPS-encrypted to `recipients` before the Git write; with none, a plaintext Secret is
   * refused unless `allowPlaintext`. Absent: the provider refuses any plaintext Secret.
   */
  sops?: pulumi.Input<{ recipients: string[]; allowPlaintext?: boolean }>;
}

/** The Placement's inputs: files holding a Secret make `files` a Pulumi secret (encrypted in the state). */
export function placementArgs(p: {
  store: string;
  dir: string;
  files: Record<string, string>;
  serviceAccountName?: string;
  health?: { timeout?: string };
  sops?: { recipients: string[]; allowPlaintext?: boolean };
}): PlacementArgs {
  const secret = Object.entries(p.files).some(([f, c]) => holdsSecret(f, c));
  return {
    store: p.store,
    dir: p.dir,
    files: secret ? pulumi.secret(p.files) : p.files,
    ...(p.serviceAccountName ? { serviceAccountName: p.serviceAccountName } : {}),
    ...(p.health ? { health: p.health } : {}),
    ...(p.sops ? { sops: p.sops } : {}),
  };
}

/**
 * A directory of the Git State Store owned by one Promise installation or request. Served by the
 * `plinth` resource provider (DESIGN.md §3.7): create/update rewrite the directory in one commit,
 * delete removes exactly it.
 */
export class Placement extends pulumi.CustomResource {
  /** Commit that last wrote this directory. */
  declare public readonly commit: pulumi.Output<string>;
  /** Number of files written. */
  declare public readonly fileCount: pulumi.Output<number>;
  declare public readonly store: pulumi.Output<string>;
  declare public readonly dir: pulumi.Output<string>;

  constructor(name: string, args: PlacementArgs, opts?: pulumi.CustomResourceOptions) {
    super(PLACEMENT_TYPE, name, { ...args, commit: undefined, fileCount: undefined }, opts);
  }
}
