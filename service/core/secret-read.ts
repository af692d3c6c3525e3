/**
 * `plinth secret` (README "Secrets"): the platform team reads a request's Secrets when it must. The
 * service reads the request's files from Git, decrypts each SOPS-encrypted Secret with its destination's
 * age key and returns the values to the caller only — never logged, never written anywhere. Only a
 * platform-admin caller (namespaces `"*"`) may; anyone else gets 403 and nothing is read.
 */
import { parseAllDocuments, isMap } from "yaml";
import { ForbiddenError, NotFoundError } from "../../components/errors";
import { decryptSecrets, holdsSecret } from "../../components/state-store/sops/manifests";
import type { ResolvedDestination } from "../../components/vocabulary/destination";
import type { StoreRegistry } from "./stores";
import type { Caller, WrittenFile } from "./types";

export interface RequestSecret {
  destination: string;
  /** The file in the State Store (store-relative). */
  path: string;
  namespace?: string;
  name: string;
  /** Every key of `data` (base64-decoded) and `stringData`, in plaintext. */
  data: Record<string, string>;
  /** Whether Git holds it SOPS-encrypted (false only on a destination that allows plaintext). */
  encrypted: boolean;
}

export function assertPlatformAdmin(caller: Caller): void {
  if (caller.namespaces !== "*") {
    throw new ForbiddenError(`team "${caller.team}" may not read Secrets: only a platform-admin team (namespaces: ["*"] in plinth:teams) may`, undefined, "ForbiddenSecretRead");
  }
}

/** The decrypted Secrets of a request's written files. */
export async function readRequestSecrets(a: {
  files: readonly WrittenFile[];
  destinations: readonly ResolvedDestination[];
  stores: StoreRegistry;
  sopsKeys?: () => Promise<Record<string, string>>;
}): Promise<RequestSecret[]> {
  const out: RequestSecret[] = [];
  const keys = a.sopsKeys ? await a.sopsKeys() : {};
  const dirs = new Map<string, Record<string, string>>();
  for (const f of a.files) {
    const dest = a.destinations.find((d) => d.name === f.destination);
    if (!dest) continue;
    const slash = f.path.lastIndexOf("/");
    const dir = f.path.slice(0, slash);
    const dirKey = `${dest.stateStore}:${dir}`;
    if (!dirs.has(dirKey)) dirs.set(dirKey, (await a.stores.writer(dest.stateStore).readDirectory({ dir })) ?? {});
    const name = f.path.slice(slash + 1);
    const text = dirs.get(dirKey)![name];
    if (text === undefined || !holdsSecret(name, text)) continue;
    const encrypted = /^sops:/m.test(text);
    const key = keys[dest.name];
    if (encrypted && !key) throw new NotFoundError(`no age key for destination "${dest.name}" to decrypt ${f.path} with`, undefined, "NoSopsKey");
    const plain = encrypted ? await decryptSecrets(name, text, [key]) : text;
    for (const doc of parseAllDocuments(plain) as unknown as { contents: unknown; toJS(): unknown }[]) {
      if (!isMap(doc.contents)) continue;
      const js = doc.toJS() as { kind?: string; metadata?: { name?: string; namespace?: string }; data?: Record<string, string>; stringData?: Record<string, string> };
      if (js.kind !== "Secret") continue;
      const data: Record<string, string> = {};
      for (const [k, v] of Object.entries(js.data ?? {})) data[k] = Buffer.from(String(v), "base64").toString("utf8");
      for (const [k, v] of Object.entries(js.stringData ?? {})) data[k] = String(v);
      out.push({ destination: dest.name, path: f.path, ...(js.metadata?.namespace ? { namespace: js.metadata.namespace } : {}), name: String(js.metadata?.name ?? ""), data, encrypted });
    }
  }
  return out;
}
