/**
 * The Placement resource: one directory of a State Store. Create and update rewrite the directory
 * whole (identical content makes no commit); delete removes exactly it. A changed store or dir replaces
 * the resource, deleting the old directory after the new one is written.
 *
 * Secrets: every plaintext `Secret` is SOPS-encrypted to the placement's `sops.recipients` before the
 * write; without recipients it is refused (PlaintextSecret) unless `sops.allowPlaintext`. The outputs
 * keep the plaintext files (a Pulumi secret) to diff against, plus `sealed`: the SHA-256 of each
 * encrypted file as written, so reading Git back maps an untouched ciphertext to its plaintext (no
 * rewrite, no new ciphertext) while any hand edit still shows up as drift.
 */
import { createHash } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import { PlinthError } from "../../components/errors";
import { encryptSecrets, plaintextSecrets } from "../../components/state-store/sops/manifests";
import type { ResourceHandler, StoreResolver } from "./types";

interface DirectoryReader {
  readDirectory?(args: { dir: string }): Promise<Record<string, string> | undefined>;
}

const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const secret = (value: unknown): Record<string, unknown> => ({ [SECRET_SIG_KEY]: SECRET_SIG, value });

function filesOf(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries((v ?? {}) as Record<string, unknown>)) out[k] = String(val);
  return out;
}

/** The account a request's Kustomization applies its directory as (cluster destinations with a flux index). */
/** The placement's health checks (`{}` or `{ timeout }`), undefined without. */
function healthOf(props: Record<string, unknown>): { timeout?: string } | undefined {
  const h = props.health as { timeout?: unknown } | undefined;
  if (typeof h !== "object" || h === null) return undefined;
  return typeof h.timeout === "string" && h.timeout ? { timeout: h.timeout } : {};
}

function accountOf(props: Record<string, unknown>): string | undefined {
  return typeof props.serviceAccountName === "string" && props.serviceAccountName ? props.serviceAccountName : undefined;
}

interface Sops {
  recipients: string[];
  allowPlaintext: boolean;
}

function sopsOf(v: unknown): Sops {
  const s = (v ?? {}) as { recipients?: unknown; allowPlaintext?: unknown };
  const recipients = Array.isArray(s.recipients) ? s.recipients.map(String).filter(Boolean) : [];
  return { recipients, allowPlaintext: s.allowPlaintext === true };
}

const sha256 = (s: string): string => createHash("sha256").update(s).digest("hex");

/** The files as they go to Git, and the digest of each one that was encrypted. */
export async function sealFiles(dir: string, files: Record<string, string>, sops: Sops): Promise<{ written: Record<string, string>; sealed: Record<string, string> }> {
  const written: Record<string, string> = {};
  const sealed: Record<string, string> = {};
  const refused: { file: string; secrets: string[] }[] = [];
  for (const [path, content] of Object.entries(files)) {
    const plain = plaintextSecrets(path, content);
    if (plain.length === 0) written[path] = content;
    else if (sops.recipients.length) {
      written[path] = await encryptSecrets(path, content, sops.recipients);
      sealed[path] = sha256(written[path]);
    } else if (sops.allowPlaintext) written[path] = content;
    else refused.push({ file: `${dir}/${path}`, secrets: plain });
  }
  if (refused.length) {
    const list = refused.map((r) => `${r.file} (Secret ${r.secrets.join(", ")})`).join("; ");
    throw new PlinthError("PlaintextSecret", `PlaintextSecret: refusing to commit plaintext Secrets: ${list}; the placement has no age recipient to SOPS-encrypt them to`, { files: refused }, 422);
  }
  return { written, sealed };
}

function outsOf(store: string, dir: string, files: Record<string, string>, sops: Sops, sealed: Record<string, string>, commit: string): Record<string, unknown> {
  const secretFiles = Object.keys(sealed).length > 0 || Object.entries(files).some(([p, c]) => plaintextSecrets(p, c).length > 0);
  return { store, dir, files: secretFiles ? secret(files) : files, sops, sealed, commit, fileCount: Object.keys(files).length };
}

export function placementHandler(resolve: StoreResolver): ResourceHandler {
  const write = async (inputs: Record<string, unknown>) => {
    const store = String(inputs.store);
    const dir = String(inputs.dir);
    const files = filesOf(inputs.files);
    const sops = sopsOf(inputs.sops);
    const serviceAccountName = accountOf(inputs);
    const health = healthOf(inputs);
    const { written, sealed } = await sealFiles(dir, files, sops);
    const writer = await resolve(store);
    const res = await writer.writeDirectory({ dir, files: written, ...(serviceAccountName ? { serviceAccountName } : {}), ...(health ? { health } : {}) });
    const outs: Record<string, unknown> = outsOf(store, dir, files, sops, sealed, res.commit);
    if (serviceAccountName) outs.serviceAccountName = serviceAccountName;
    if (health) outs.health = health;
    return outs;
  };
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
      const changes =
        replaces.length > 0 ||
        !isDeepStrictEqual(filesOf(olds.files), filesOf(news.files)) ||
        !isDeepStrictEqual(sopsOf(olds.sops), sopsOf(news.sops)) ||
        accountOf(olds) !== accountOf(news) ||
        !isDeepStrictEqual(healthOf(olds), healthOf(news));
      return { changes, replaces };
    },
    async create(inputs) {
      const outs = await write(inputs);
      return { id: `${outs.store}:${outs.dir}`, outs };
    },
    async update(_id, _olds, news) {
      return { outs: await write(news) };
    },
    async read(id, props) {
      // What Git holds now: a hand edit or deletion shows up as different files, which the next diff
      // rewrites. An encrypted file exactly as written reads back as its plaintext.
      const writer = await resolve(String(props.store));
      const git = (await (writer as DirectoryReader).readDirectory?.({ dir: String(props.dir) })) ?? {};
      const before = filesOf(props.files);
      const sealed = (props.sealed ?? {}) as Record<string, string>;
      const files: Record<string, string> = {};
      for (const [path, content] of Object.entries(git)) files[path] = sealed[path] && sealed[path] === sha256(content) && path in before ? before[path] : content;
      const secretFiles = Object.keys(sealed).length > 0;
      return { id, props: { ...props, files: secretFiles ? secret(files) : files, fileCount: Object.keys(files).length } };
    },
    async delete(_id, props) {
      const writer = await resolve(String(props.store));
      await writer.removeDirectory({ dir: String(props.dir) });
    },
  };
}
