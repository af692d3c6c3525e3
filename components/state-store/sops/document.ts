/**
 * One YAML document in the SOPS format (getsops/sops `sops.go` Tree.Encrypt/Decrypt, `stores/yaml`): keys
 * and structure stay readable; each leaf value whose path matches the rules is encrypted with the data
 * key (additional data = path joined by ':' plus ':', list items share their key's path); the MAC is the
 * uppercase hex SHA-512 over every non-null leaf value in tree order (only the encrypted ones, after a
 * fixed prefix, with `mac_only_encrypted`), stored encrypted with `lastmodified` as additional data.
 * Comments are dropped (sops would encrypt them too).
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { isAlias, isMap, isScalar, isSeq, visit, type Document, type Node, type Scalar, type YAMLMap } from "yaml";
import { decryptDataKey, encryptDataKey } from "./age";
import { decryptValue, encryptValue, valueBytes, type SopsValue } from "./cipher";
import { SopsError } from "./errors";

/** What Flux's docs recommend for Secrets: only `data` and `stringData` are encrypted. */
export const SECRET_ENCRYPTED_REGEX = "^(data|stringData)$";
/** The sops release whose format this writes. */
export const SOPS_VERSION = "3.10.2";
const MAC_ONLY_ENCRYPTED_INIT = Buffer.from("8a3fd2ad54ce66527b1034f3d147be0b0b975b3bf44f72c6fdadec8176f27d69", "hex");

export interface SopsRules {
  encryptedRegex?: string;
  unencryptedRegex?: string;
  encryptedSuffix?: string;
  unencryptedSuffix?: string;
  macOnlyEncrypted?: boolean;
}

function shouldEncrypt(path: string[], r: SopsRules): boolean {
  let enc = true;
  if (r.unencryptedSuffix && path.some((p) => p.endsWith(r.unencryptedSuffix!))) enc = false;
  if (r.encryptedSuffix) enc = path.some((p) => p.endsWith(r.encryptedSuffix!));
  if (r.unencryptedRegex && path.some((p) => new RegExp(r.unencryptedRegex!).test(p))) enc = false;
  if (r.encryptedRegex) enc = path.some((p) => new RegExp(r.encryptedRegex!).test(p));
  return enc;
}

function keyOf(k: unknown): string {
  if (isScalar(k)) return String(k.value);
  throw new SopsError("SopsUnsupportedValue", "only scalar keys can be encrypted with SOPS");
}

/** Every non-null leaf in tree order with its path (sops' walkBranch/walkSlice). */
function leaves(node: unknown, path: string[], out: { s: Scalar; path: string[] }[]): void {
  if (node === null || node === undefined) return;
  if (isAlias(node)) throw new SopsError("SopsUnsupportedValue", `YAML alias at "${path.join(".")}": expand aliases before encrypting`);
  if (isMap(node)) for (const pair of node.items) leaves(pair.value, [...path, keyOf(pair.key)], out);
  else if (isSeq(node)) for (const item of node.items) leaves(item, path, out);
  else if (isScalar(node)) {
    if (node.value === null || node.value === undefined) return;
    out.push({ s: node, path });
  }
}

function plainValue(s: Scalar, path: string[]): SopsValue {
  const v = s.value;
  if (typeof v === "string" || typeof v === "boolean") return v;
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  throw new SopsError("SopsUnsupportedValue", `value at "${path.join(".")}" is a ${typeof v}; only strings, numbers and booleans can be encrypted`);
}

/** RFC 3339 in UTC without fractional seconds, as Go's time.RFC3339 prints it. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function isSopsDocument(doc: Document): boolean {
  return isMap(doc.contents) && (doc.contents as YAMLMap).has("sops");
}

function dropComments(doc: Document): void {
  doc.commentBefore = null;
  doc.comment = null;
  visit(doc, {
    Node(_k, n) {
      (n as Node).commentBefore = undefined;
      (n as Node).comment = undefined;
    },
    Pair(_k, p) {
      if (isScalar(p.key)) {
        p.key.commentBefore = undefined;
        p.key.comment = undefined;
      }
    },
  });
}

/** Encrypts the document in place for `recipients` (at least one) and appends its `sops` metadata. */
export async function encryptDocument(doc: Document, opts: { recipients: string[]; rules?: SopsRules; now?: Date }): Promise<void> {
  if (!isMap(doc.contents)) throw new SopsError("SopsUnsupportedValue", "only a YAML mapping can be encrypted with SOPS");
  if (isSopsDocument(doc)) throw new SopsError("SopsAlreadyEncrypted", "the document already has SOPS metadata");
  if (opts.recipients.length === 0) throw new SopsError("SopsInvalidKey", "at least one age recipient is needed to encrypt");
  const rules = opts.rules ?? { unencryptedSuffix: "_unencrypted" };
  dropComments(doc);
  const key = randomBytes(32);
  const hash = createHash("sha512");
  if (rules.macOnlyEncrypted) hash.update(MAC_ONLY_ENCRYPTED_INIT);
  const found: { s: Scalar; path: string[] }[] = [];
  leaves(doc.contents, [], found);
  for (const { s, path } of found) {
    const v = plainValue(s, path);
    const enc = shouldEncrypt(path, rules);
    if (!rules.macOnlyEncrypted || enc) hash.update(valueBytes(v));
    if (enc) {
      s.value = encryptValue(v, key, `${path.join(":")}:`);
      s.type = undefined;
    }
  }
  const lastmodified = rfc3339(opts.now ?? new Date());
  const mac = encryptValue(hash.digest("hex").toUpperCase(), key, lastmodified);
  const age = [];
  for (const recipient of opts.recipients) age.push({ recipient, enc: await encryptDataKey(key, recipient) });
  const meta: Record<string, unknown> = { age, lastmodified, mac };
  if (rules.unencryptedSuffix) meta.unencrypted_suffix = rules.unencryptedSuffix;
  if (rules.encryptedSuffix) meta.encrypted_suffix = rules.encryptedSuffix;
  if (rules.unencryptedRegex) meta.unencrypted_regex = rules.unencryptedRegex;
  if (rules.encryptedRegex) meta.encrypted_regex = rules.encryptedRegex;
  if (rules.macOnlyEncrypted) meta.mac_only_encrypted = true;
  meta.version = SOPS_VERSION;
  (doc.contents as YAMLMap).add(doc.createPair("sops", meta));
}

interface Metadata {
  age?: { recipient?: string; enc?: string }[];
  lastmodified?: string;
  mac?: string;
  encrypted_regex?: string;
  unencrypted_regex?: string;
  encrypted_suffix?: string;
  unencrypted_suffix?: string;
  mac_only_encrypted?: boolean;
}

/** The age recipients a SOPS document is encrypted to. */
export function recipientsOf(doc: Document): string[] {
  const meta = (isMap(doc.contents) ? (doc.contents as YAMLMap).get("sops", false) : undefined) as unknown;
  const js = (isMap(meta) ? meta.toJSON() : {}) as Metadata;
  return (js.age ?? []).map((a) => String(a.recipient ?? ""));
}

/**
 * Decrypts the document in place with any of `identities` and removes its `sops` metadata; throws
 * SopsNoKey when no identity opens it, SopsTampered / SopsMacMismatch when any value, the MAC or
 * lastmodified was changed.
 */
export async function decryptDocument(doc: Document, identities: string[]): Promise<void> {
  const root = doc.contents;
  if (!isMap(root) || !root.has("sops")) throw new SopsError("SopsNotEncrypted", "the document has no SOPS metadata");
  const node = root.get("sops", true) as unknown;
  const meta = (isMap(node) ? node.toJSON() : {}) as Metadata;
  if (typeof meta.mac !== "string" || typeof meta.lastmodified !== "string" || !Array.isArray(meta.age)) {
    throw new SopsError("SopsNotEncrypted", "the SOPS metadata needs mac, lastmodified and age recipients");
  }
  const rules: SopsRules = {
    encryptedRegex: meta.encrypted_regex,
    unencryptedRegex: meta.unencrypted_regex,
    encryptedSuffix: meta.encrypted_suffix,
    unencryptedSuffix: meta.unencrypted_suffix,
    macOnlyEncrypted: meta.mac_only_encrypted === true,
  };
  const ruleCount = [rules.encryptedRegex, rules.unencryptedRegex, rules.encryptedSuffix, rules.unencryptedSuffix].filter(Boolean).length;
  if (ruleCount > 1) throw new SopsError("SopsUnsupportedValue", "only one of encrypted_regex, unencrypted_regex, encrypted_suffix, unencrypted_suffix may be set");
  if (ruleCount === 0) rules.unencryptedSuffix = "_unencrypted";
  const key = await decryptDataKey(meta.age.map((a) => String(a.enc ?? "")), identities);
  if (!key) {
    const to = meta.age.map((a) => a.recipient).join(", ");
    throw new SopsError("SopsNoKey", `none of the given age keys can decrypt this document (encrypted to ${to})`);
  }
  root.delete("sops");
  const hash = createHash("sha512");
  if (rules.macOnlyEncrypted) hash.update(MAC_ONLY_ENCRYPTED_INIT);
  const found: { s: Scalar; path: string[] }[] = [];
  leaves(root, [], found);
  for (const { s, path } of found) {
    const enc = shouldEncrypt(path, rules);
    let v: SopsValue;
    if (enc) {
      if (typeof s.value !== "string") throw new SopsError("SopsTampered", `value at "${path.join(":")}:" should be encrypted but is not`);
      v = decryptValue(s.value, key, `${path.join(":")}:`);
      s.value = v;
      s.type = undefined;
    } else v = plainValue(s, path);
    if (!rules.macOnlyEncrypted || enc) hash.update(valueBytes(v));
  }
  const computed = Buffer.from(hash.digest("hex").toUpperCase());
  let stored: SopsValue;
  try {
    stored = decryptValue(meta.mac, key, meta.lastmodified);
  } catch {
    throw new SopsError("SopsTampered", "the SOPS MAC or lastmodified was changed");
  }
  const expected = Buffer.from(String(stored));
  if (expected.length !== computed.length || !timingSafeEqual(expected, computed)) {
    throw new SopsError("SopsMacMismatch", "MAC mismatch: a value of the document was changed after it was encrypted");
  }
}
