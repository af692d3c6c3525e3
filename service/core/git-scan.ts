/**
 * Git scans: files under destinations' `dependencies/` and `resources/` that no placement owns (edited in
 * by hand, or left by a tool). Reported, never deleted; index `kustomization.yaml` files are Plinth's own.
 */
import type { ResolvedDestination } from "../../components/vocabulary/destination";
import type { StoredRequest } from "./store";

export interface UnownedScan {
  /** Lists the files under a directory of the store (store-relative paths inside `dir`). */
  list: (args: { dir: string }) => Promise<string[]>;
  records: readonly StoredRequest[];
  /** Directories the platform stack's Promise installations own. */
  platformPlacements: readonly { dir: string; files: string[] }[];
  /** The destinations reading this store. */
  destinations: readonly ResolvedDestination[];
}

export async function unownedFiles(scan: UnownedScan): Promise<string[]> {
  const owned = new Set<string>();
  for (const r of scan.records) for (const f of r.status.files) owned.add(f.path);
  for (const p of scan.platformPlacements) for (const f of p.files) owned.add(`${p.dir}/${f}`);
  const files: string[] = [];
  for (const d of scan.destinations) {
    for (const part of ["dependencies", "resources"]) {
      const dir = `${d.path}/${part}`;
      for (const rel of await scan.list({ dir })) {
        const full = `${dir}/${rel}`;
        if (owned.has(full) || rel === "kustomization.yaml" || rel.endsWith("/kustomization.yaml")) continue;
        files.push(full);
      }
    }
  }
  return files;
}
