/**
 * The SopsRekey resource (components/state-store/sops/rekey.ts): every SOPS file of a destination's
 * directory not encrypted to its current recipient is decrypted with the key file and re-encrypted to the
 * recipient; all of them in one commit (`replaceFiles`: a file rewritten meanwhile is left alone). A file
 * the key file cannot open fails the update naming it, and nothing is committed.
 */
import { parseAllDocuments } from "yaml";
import { SopsError } from "../../components/state-store/sops/errors";
import { recipientsOf } from "../../components/state-store/sops/document";
import { decryptSecrets, encryptSecrets, isManifestFile } from "../../components/state-store/sops/manifests";
import type { ResourceHandler } from "./types";

interface RekeyWriter {
  readDirectory(args: { dir: string }): Promise<Record<string, string> | undefined>;
  replaceFiles(args: { dir: string; files: Record<string, { from: string; to: string }> }): Promise<{ commit: string; changed: boolean }>;
}

const plain = (v: unknown): string => String(v && typeof v === "object" && "value" in (v as object) ? (v as { value: unknown }).value : (v ?? ""));

function staleRecipients(path: string, text: string, recipient: string): boolean {
  if (!isManifestFile(path) || !/^sops:/m.test(text)) return false;
  try {
    return parseAllDocuments(text).some((d) => {
      const r = recipientsOf(d);
      return r.length > 0 && !(r.length === 1 && r[0] === recipient);
    });
  } catch {
    return false;
  }
}

/** The re-encrypted files of `dir` (path → from/to); none when every file is current. */
export async function rekeyDirectory(writer: RekeyWriter, dir: string, recipient: string, identities: string[]): Promise<Record<string, { from: string; to: string }>> {
  const files = (await writer.readDirectory({ dir })) ?? {};
  const out: Record<string, { from: string; to: string }> = {};
  for (const [path, text] of Object.entries(files)) {
    if (!staleRecipients(path, text, recipient)) continue;
    let plainText: string;
    try {
      plainText = await decryptSecrets(path, text, identities);
    } catch (err) {
      throw new SopsError("SopsRekeyFailed", `cannot re-encrypt ${dir}/${path} to the rotated key: ${(err as Error).message}; nothing was committed`);
    }
    out[path] = { from: text, to: await encryptSecrets(path, plainText, [recipient]) };
  }
  return out;
}

export function sopsRekeyHandler(resolve: (store: string) => RekeyWriter | Promise<RekeyWriter>): ResourceHandler {
  const run = async (inputs: Record<string, unknown>) => {
    const store = String(inputs.store);
    const dir = String(inputs.dir);
    const recipient = String(inputs.recipient);
    const identities = plain(inputs.identities).split("\n").map((s) => s.trim()).filter(Boolean);
    const writer = await resolve(store);
    const files = await rekeyDirectory(writer, dir, recipient, identities);
    const res = Object.keys(files).length ? await writer.replaceFiles({ dir, files }) : { commit: "" };
    return { store, dir, recipient, commit: res.commit, rekeyed: Object.keys(files).sort() };
  };
  return {
    check(news) {
      const failures: { path: string; reason: string }[] = [];
      for (const k of ["store", "dir", "recipient"]) if (typeof news[k] !== "string" || !news[k]) failures.push({ path: k, reason: `${k} is required` });
      return failures;
    },
    diff(olds, news) {
      const replaces = ["store", "dir"].filter((k) => olds[k] !== news[k]);
      return { changes: replaces.length > 0 || olds.recipient !== news.recipient, replaces, deleteBeforeReplace: false };
    },
    async create(inputs) {
      const outs = await run(inputs);
      return { id: `${outs.store}:${outs.dir}`, outs };
    },
    async update(_id, _olds, news) {
      return { outs: await run(news) };
    },
    async delete() {
      /* nothing of its own in Git */
    },
  };
}
