/**
 * The Placement resource: one directory of a State Store. Create and update rewrite the directory
 * whole (identical content makes no commit); delete removes exactly it. A changed store or dir replaces
 * the resource, deleting the old directory after the new one is written.
 */
import { isDeepStrictEqual } from "node:util";
import type { ResourceHandler, StoreResolver } from "./types";

interface DirectoryReader {
  readDirectory?(args: { dir: string }): Promise<Record<string, string> | undefined>;
}

function filesOf(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries((v ?? {}) as Record<string, unknown>)) out[k] = String(val);
  return out;
}

/** The account a request's Kustomization applies its directory as (cluster destinations with a flux index). */
function accountOf(props: Record<string, unknown>): string | undefined {
  return typeof props.serviceAccountName === "string" && props.serviceAccountName ? props.serviceAccountName : undefined;
}

export function placementHandler(resolve: StoreResolver): ResourceHandler {
  return {
    check(news) {
      const failures: { path: string; reason: string }[] = [];
      if (typeof news.store !== "string" || !news.store) failures.push({ path: "store", reason: "store must name a State Store" });
      if (typeof news.dir !== "string" || !news.dir) failures.push({ path: "dir", reason: "dir must be a directory inside the store" });
      else if (news.dir.split("/").some((s) => s === "" || s === "." || s === ".." || s === ".git"))
        failures.push({ path: "dir", reason: `dir ${JSON.stringify(news.dir)} must be a relative path without empty, '.', '..' or '.git' segments` });
      if (typeof news.files !== "object" || news.files === null) failures.push({ path: "files", reason: "files must map relative paths to contents" });
      return failures;
    },
    diff(olds, news) {
      const replaces = ["store", "dir"].filter((k) => olds[k] !== news[k]);
      const changes = replaces.length > 0 || !isDeepStrictEqual(filesOf(olds.files), filesOf(news.files)) || accountOf(olds) !== accountOf(news);
      return { changes, replaces };
    },
    async create(inputs) {
      const store = String(inputs.store);
      const dir = String(inputs.dir);
      const files = filesOf(inputs.files);
      const serviceAccountName = accountOf(inputs);
      const writer = await resolve(store);
      const res = await writer.writeDirectory({ dir, files, ...(serviceAccountName ? { serviceAccountName } : {}) });
      return { id: `${store}:${dir}`, outs: { store, dir, files, ...(serviceAccountName ? { serviceAccountName } : {}), commit: res.commit, fileCount: Object.keys(files).length } };
    },
    async update(_id, _olds, news) {
      const store = String(news.store);
      const dir = String(news.dir);
      const files = filesOf(news.files);
      const serviceAccountName = accountOf(news);
      const writer = await resolve(store);
      const res = await writer.writeDirectory({ dir, files, ...(serviceAccountName ? { serviceAccountName } : {}) });
      return { outs: { store, dir, files, ...(serviceAccountName ? { serviceAccountName } : {}), commit: res.commit, fileCount: Object.keys(files).length } };
    },
    async read(id, props) {
      // What Git holds now: a hand edit or deletion shows up as different files, which the next diff rewrites.
      const writer = await resolve(String(props.store));
      const files = (await (writer as DirectoryReader).readDirectory?.({ dir: String(props.dir) })) ?? {};
      return { id, props: { ...props, files, fileCount: Object.keys(files).length } };
    },
    async delete(_id, props) {
      const writer = await resolve(String(props.store));
      await writer.removeDirectory({ dir: String(props.dir) });
    },
  };
}
