/** Splitting a pipeline's output files into scheduling groups by the workflow's directory selectors. */
import type { PipelineResult } from "../workflow/types";
import type { HealthChecks } from "../state-store/flux-index";

/** What a builder returns for one Placement child: a directory of one State Store. */
export interface PlacementSpec {
  /** Pulumi name of the Placement child. */
  name: string;
  store: string;
  /** Directory inside the store. */
  dir: string;
  /** Destination the directory belongs to. */
  destination: string;
  /** Relative path → content. */
  files: Record<string, string>;
  /** Request placements: the account Flux applies them as on cluster destinations (their team's). */
  serviceAccountName?: string;
  /** Request placements of a Promise with `healthChecks`: Flux waits for what they apply to be healthy. */
  health?: HealthChecks;
  /**
   * How Secrets are written (secrets.ts): SOPS-encrypted to `recipients` (the destination's age key);
   * with no recipient, plaintext only when `allowPlaintext`.
   */
  sops?: { recipients: string[]; allowPlaintext?: boolean };
}

export interface FileGroup {
  /** Undefined for the default group. */
  directory?: string;
  /** Files of the group, paths relative to the group's directory. */
  files: Record<string, string>;
}

/**
 * Files under a selector's `directory` (the deepest one when directories nest) form that directory's
 * group with the prefix stripped; every other file belongs to the default group. Groups are returned in
 * selector order after the default group; empty groups are kept (callers decide to skip them).
 */
export function groupFiles(result: Pick<PipelineResult, "files" | "destinationSelectors">): FileGroup[] {
  const dirs = result.destinationSelectors.filter((s) => s.directory !== undefined).map((s) => s.directory as string);
  const unique = [...new Set(dirs)];
  const groups: FileGroup[] = [{ files: {} }, ...unique.map((directory) => ({ directory, files: {} }))];
  const byDepth = [...unique].sort((a, b) => b.length - a.length);
  for (const [path, content] of Object.entries(result.files)) {
    const dir = byDepth.find((d) => path.startsWith(d + "/"));
    const group = dir === undefined ? groups[0] : groups.find((g) => g.directory === dir)!;
    group.files[dir === undefined ? path : path.slice(dir.length + 1)] = content;
  }
  return groups;
}
