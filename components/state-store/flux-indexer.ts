/**
 * Keeps a cluster destination's per-request Flux index (flux-index.ts) in step with the store: created or
 * rebuilt when the destination root is (re)registered, and one entry updated per write or removal under a
 * request's directory (touching only that entry and the index's kustomization.yaml).
 */
import {
  FLUX_INDEX_DIR,
  fluxIndexKustomization,
  fluxIndexOptions,
  fluxShardDir,
  fluxShardOf,
  fluxShards,
  requestDirOf,
  requestKustomization,
  requestKustomizationName,
  serviceAccountOf,
  shardKustomization,
  healthChecksOf,
  type FluxIndexOptions,
  type HealthChecks,
} from "./flux-index";
import type { IndexContext, StateStoreIndexer } from "./state-store-writer";
import { toFileTree } from "./tree-editor";

export const fluxIndexer: StateStoreIndexer = {
  name: "flux",
  async apply(ctx, op) {
    if (op.kind === "root") return setFluxIndex(ctx, op.dir, op.flux);
    return updateFluxIndex(ctx, op.dir, op.kind === "write" ? { serviceAccountName: op.serviceAccountName, health: op.health } : undefined);
  },
};

/** The flux index options of a destination in the tree being built (undefined: it has no index). */
export async function fluxIndexOf({ editor, base }: IndexContext, destinationPath: string): Promise<FluxIndexOptions | undefined> {
  const fluxDir = `${destinationPath}/${FLUX_INDEX_DIR}`;
  const index = await editor.readFile([...base, ...fluxDir.split("/"), "kustomization.yaml"], fluxDir);
  return index === undefined ? undefined : fluxIndexOptions(index);
}

/** The requests under a destination's `resources/` (namespace, promise, name). */
export async function requestsOf({ editor, base }: IndexContext, dest: string): Promise<{ namespace: string; promise: string; name: string }[]> {
  const out: { namespace: string; promise: string; name: string }[] = [];
  const res = [...base, ...dest.split("/"), "resources"];
  for (const ns of (await editor.subdirectories(res, `${dest}/resources`)) ?? []) {
    for (const promise of (await editor.subdirectories([...res, ns], `${dest}/resources/${ns}`)) ?? []) {
      for (const name of (await editor.subdirectories([...res, ns, promise], `${dest}/resources/${ns}/${promise}`)) ?? []) out.push({ namespace: ns, promise, name });
    }
  }
  return out;
}

/**
 * A destination root's `flux/` directory: created, or rebuilt with new options, with one entry per request
 * already under `resources/`; removed when `flux` is unset.
 */
async function setFluxIndex(ctx: IndexContext, dest: string, flux: FluxIndexOptions | undefined): Promise<boolean> {
  const { editor, base, basePath } = ctx;
  const segs = [...base, ...dest.split("/"), FLUX_INDEX_DIR];
  if (!flux) return editor.removeDirectory(segs, `${dest}/${FLUX_INDEX_DIR}`);
  const files: Record<string, string> = {};
  // The options the entries were written with (a timeout other than theirs is a Promise's health timeout).
  const previous = await fluxIndexOf(ctx, dest);
  const sharded = !!flux.url;
  const shardFiles = new Map<string, string[]>(sharded ? fluxShards().map((k) => [k, []]) : []);
  for (const req of await requestsOf(ctx, dest)) {
    const r = { destinationPath: dest, ...req };
    const entry = `${requestKustomizationName(flux.destination, r)}.yaml`;
    const file = sharded ? `shards/${fluxShardOf(r)}/${entry}` : entry;
    // Keep each request's account (its team), recorded in its current entry (flat or sharded).
    const current =
      (await editor.readFile([...segs, ...file.split("/")], `${dest}/${FLUX_INDEX_DIR}`)) ??
      (await editor.readFile([...segs, ...(sharded ? [entry] : ["shards", fluxShardOf(r), entry])], `${dest}/${FLUX_INDEX_DIR}`));
    const serviceAccountName = serviceAccountOf(current);
    files[file] = requestKustomization(r, { basePath, destination: flux.destination, serviceAccountName, health: healthChecksOf(current, previous), flux });
    shardFiles.get(fluxShardOf(r))?.push(entry);
  }
  for (const [k, entries] of shardFiles) {
    files[`shards/${k}/kustomization.yaml`] = fluxIndexKustomization(flux, entries);
    files[`shard-${k}.yaml`] = shardKustomization({ basePath, destinationPath: dest, flux, shard: k });
  }
  files["kustomization.yaml"] = fluxIndexKustomization(flux, Object.keys(files).filter((f) => !f.includes("/")));
  return editor.setDirectory(segs, toFileTree(files, (p) => p.split("/")), `${dest}/${FLUX_INDEX_DIR}`);
}

/**
 * After a write or removal under a request's directory: its entry follows, if the destination has a flux
 * index. The Kustomization runs as `serviceAccountName` when given, else as the account its entry names.
 */
async function updateFluxIndex(ctx: IndexContext, dir: string, write?: { serviceAccountName?: string; health?: HealthChecks }): Promise<boolean> {
  const { editor, base, basePath } = ctx;
  const r = requestDirOf(dir);
  if (!r) return false;
  const flux = await fluxIndexOf(ctx, r.destinationPath);
  if (!flux) return false;
  const fluxDir = flux.url ? fluxShardDir(r.destinationPath, fluxShardOf(r)) : `${r.destinationPath}/${FLUX_INDEX_DIR}`;
  const segs = [...base, ...fluxDir.split("/")];
  const file = [...segs, `${requestKustomizationName(flux.destination, r)}.yaml`];
  const reqSegs = [...base, ...r.destinationPath.split("/"), "resources", r.namespace, r.promise, r.name];
  const present = ((await editor.subdirectories(reqSegs, dir)) ?? []).length > 0;
  const current = present && !write?.serviceAccountName ? await editor.readFile(file, fluxDir) : undefined;
  const account = write?.serviceAccountName ?? serviceAccountOf(current);
  // A write says whether its Promise asks for health checks; a removal of part of the request keeps them.
  const health = write ? write.health : healthChecksOf(current, flux);
  const changed = present
    ? await editor.setFile(file, requestKustomization(r, { basePath, destination: flux.destination, serviceAccountName: account, health, flux }), fluxDir)
    : await editor.removeFile(file, fluxDir);
  if (!changed) return false;
  const listed = (await editor.list(segs, fluxDir)).filter((f) => f !== "kustomization.yaml");
  await editor.setFile([...segs, "kustomization.yaml"], fluxIndexKustomization(flux, listed), fluxDir);
  return true;
}
