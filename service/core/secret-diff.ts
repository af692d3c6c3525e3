/**
 * Preview of a file holding Secrets (README "Secrets"): Git has them SOPS-encrypted, the plan has them in
 * plaintext. The current file is decrypted here, inside the service, with the destination's age key; the
 * diff names each Secret and which of its `data`/`stringData` keys are added, removed or changed — never a
 * value, plaintext or ciphertext. A re-encryption alone (new ciphertext, same values) is no change.
 */
import { isDeepStrictEqual } from "node:util";
import { isMap, parseAllDocuments, type YAMLMap } from "yaml";
import { decryptSecrets, holdsSecret } from "../../components/state-store/sops/manifests";

export interface SecretFileDiff {
  change: "create" | "update" | "delete" | "same";
  diff: string;
}

type Values = Map<string, Map<string, unknown>>;

/** Each Secret of the file (`ns/name`) → its `field.key` → value; the rest of each document as `(other)`. */
function secretValues(text: string): { values: Values; other: unknown[] } {
  const values: Values = new Map();
  const other: unknown[] = [];
  for (const doc of parseAllDocuments(text) as ReturnType<typeof parseAllDocuments> & unknown[]) {
    if (!isMap(doc.contents)) continue;
    const m = doc.contents as YAMLMap;
    if (m.get("kind") !== "Secret") {
      other.push(doc.toJS());
      continue;
    }
    const js = doc.toJS() as { metadata?: { name?: string; namespace?: string }; data?: Record<string, unknown>; stringData?: Record<string, unknown>; sops?: unknown };
    const ref = js.metadata?.namespace ? `${js.metadata.namespace}/${js.metadata.name}` : String(js.metadata?.name ?? "(unnamed)");
    const keys = new Map<string, unknown>();
    for (const field of ["data", "stringData"] as const) for (const [k, v] of Object.entries(js[field] ?? {})) keys.set(`${field}.${k}`, v);
    values.set(ref, keys);
    const { data: _d, stringData: _s, sops: _m, ...rest } = js;
    other.push(rest);
  }
  return { values, other };
}

/** The change and a value-free diff of one Secret-holding file; `identities` decrypt the current one. */
export async function secretFileDiff(path: string, before: string | undefined, after: string | undefined, identities: readonly string[]): Promise<SecretFileDiff> {
  const head = [`--- ${before === undefined ? "/dev/null" : `a/${path}`}`, `+++ ${after === undefined ? "/dev/null" : `b/${path}`}`];
  let plainBefore = before;
  let unreadable = false;
  if (before !== undefined) {
    try {
      plainBefore = await decryptSecrets(path, before, [...identities]);
    } catch {
      unreadable = true;
    }
  }
  const b = plainBefore === undefined || unreadable ? { values: new Map() as Values, other: [] as unknown[] } : secretValues(plainBefore);
  const a = after === undefined ? { values: new Map() as Values, other: [] as unknown[] } : secretValues(after);
  const lines: string[] = [];
  if (unreadable) lines.push(" (the current file cannot be decrypted with the destination's key: every key is shown as changed)");
  for (const ref of [...new Set([...b.values.keys(), ...a.values.keys()])].sort()) {
    const was = unreadable && before !== undefined ? undefined : b.values.get(ref);
    const now = a.values.get(ref);
    lines.push(` Secret ${ref} (values hidden)`);
    for (const k of [...new Set([...(was?.keys() ?? []), ...(now?.keys() ?? [])])].sort()) {
      if (unreadable && now?.has(k)) lines.push(`~ ${k}: changed`);
      else if (!was?.has(k)) lines.push(`+ ${k}: added`);
      else if (!now?.has(k)) lines.push(`- ${k}: removed`);
      else if (!isDeepStrictEqual(was.get(k), now.get(k))) lines.push(`~ ${k}: changed`);
    }
  }
  const otherChanged = !isDeepStrictEqual(b.other, a.other);
  if (otherChanged && before !== undefined && after !== undefined) lines.push("~ (other fields of the file changed)");
  if (before === undefined) return { change: "create", diff: [...head, ...lines].join("\n") + "\n" };
  if (after === undefined) return { change: "delete", diff: [...head, ...lines].join("\n") + "\n" };
  const same = !unreadable && !otherChanged && !lines.some((l) => /^[~+-] /.test(l));
  return { change: same ? "same" : "update", diff: same ? "" : [...head, ...lines].join("\n") + "\n" };
}

/** Whether a file's preview goes through secretFileDiff. */
export function isSecretFile(path: string, before: string | undefined, after: string | undefined): boolean {
  return (before !== undefined && holdsSecret(path, before)) || (after !== undefined && holdsSecret(path, after));
}
