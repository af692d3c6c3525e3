/**
 * Kubernetes manifests and SOPS: which files hold a `Secret`, encrypting each Secret document the way
 * Flux's docs recommend (`encrypted_regex: ^(data|stringData)$`, so kustomize-controller decrypts it at
 * apply time) and decrypting them back for a platform team that must read one.
 */
import { isMap, parseAllDocuments, type Document, type YAMLMap } from "yaml";
import { decryptDocument, encryptDocument, isSopsDocument, SECRET_ENCRYPTED_REGEX } from "./document";
import { SopsError } from "./errors";

/** Files kustomize reads as manifests. */
export function isManifestFile(path: string): boolean {
  return /\.(ya?ml|json)$/i.test(path) && !/(^|\/)kustomization\.ya?ml$/i.test(path);
}

function parse(path: string, text: string): Document[] {
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) return [];
  for (const d of docs) {
    if (d.errors.length) throw new SopsError("InvalidManifest", `${path}: not valid YAML: ${d.errors[0].message}`);
  }
  return docs.filter((d) => d.contents !== null);
}

function isSecret(doc: Document): boolean {
  if (!isMap(doc.contents)) return false;
  const m = doc.contents as YAMLMap;
  return m.get("kind") === "Secret" && m.get("apiVersion") === "v1";
}

function stringify(docs: Document[]): string {
  return docs.map((d, i) => {
    const s = d.toString({ lineWidth: 0 });
    return i === 0 || s.startsWith("---") ? s : `---\n${s}`;
  }).join("");
}

export interface SecretRef {
  /** `namespace/name` or `name`. */
  name: string;
}

function refOf(doc: Document): string {
  const m = doc.contents as YAMLMap;
  const meta = m.get("metadata") as YAMLMap | undefined;
  const name = String(meta?.get?.("name") ?? "(unnamed)");
  const ns = meta?.get?.("namespace");
  return ns ? `${String(ns)}/${name}` : name;
}

/** The Secrets of a file that are not SOPS-encrypted (`namespace/name`). Non-manifest files hold none. */
export function plaintextSecrets(path: string, text: string): string[] {
  if (!isManifestFile(path)) return [];
  let docs: Document[];
  try {
    docs = parse(path, text);
  } catch {
    return /\bkind:\s*["']?Secret\b/.test(text) ? ["(unparseable)"] : [];
  }
  return docs.filter((d) => isSecret(d) && !isSopsDocument(d)).map(refOf);
}

function isSecretObject(v: unknown): boolean {
  return typeof v === "object" && v !== null && (v as { kind?: unknown }).kind === "Secret" && (v as { apiVersion?: unknown }).apiVersion === "v1";
}

/** Secrets inside another document (e.g. a `List`'s items): SOPS cannot encrypt them on their own. */
export function nestedSecrets(path: string, text: string): string[] {
  if (!isManifestFile(path)) return [];
  let docs: Document[];
  try {
    docs = parse(path, text);
  } catch {
    return [];
  }
  const found: string[] = [];
  const walk = (v: unknown, top: boolean): void => {
    if (Array.isArray(v)) v.forEach((x) => walk(x, false));
    else if (v && typeof v === "object") {
      if (!top && isSecretObject(v)) {
        const m = (v as { metadata?: { name?: string; namespace?: string } }).metadata;
        found.push(m?.namespace ? `${m.namespace}/${m.name}` : String(m?.name ?? "(unnamed)"));
        return;
      }
      for (const x of Object.values(v as Record<string, unknown>)) walk(x, false);
    }
  };
  for (const d of docs) walk(d.toJS(), true);
  return found;
}

/** What of the file stays plaintext in Git: everything but the top-level Secrets' data/stringData. */
export function contentOutsideSecrets(path: string, text: string): string {
  if (!isManifestFile(path)) return text;
  try {
    // A Secret's data/stringData are encrypted; the rest of it (metadata, type) stays readable.
    return parse(path, text)
      .map((d) => {
        if (!isSecret(d)) return `${d.toString({ lineWidth: 0 })}\n${JSON.stringify(d.toJS())}`;
        const { data: _d, stringData: _s, ...rest } = d.toJS() as Record<string, unknown>;
        return JSON.stringify(rest);
      })
      .join("\n");
  } catch {
    return text;
  }
}

/** Whether the file holds a Secret at all (encrypted or not). */
export function holdsSecret(path: string, text: string): boolean {
  if (!isManifestFile(path)) return false;
  try {
    return parse(path, text).some(isSecret);
  } catch {
    return /\bkind:\s*["']?Secret\b/.test(text);
  }
}

/** The file with every plaintext Secret document encrypted to `recipients`; other documents unchanged. */
export async function encryptSecrets(path: string, text: string, recipients: string[], now?: Date): Promise<string> {
  if (plaintextSecrets(path, text).length === 0) return text;
  const docs = parse(path, text);
  for (const d of docs) {
    if (isSecret(d) && !isSopsDocument(d)) await encryptDocument(d, { recipients, rules: { encryptedRegex: SECRET_ENCRYPTED_REGEX }, now });
  }
  return stringify(docs);
}

/** The file with every SOPS-encrypted document decrypted with any of `identities`. */
export async function decryptSecrets(path: string, text: string, identities: string[]): Promise<string> {
  if (!isManifestFile(path)) return text;
  const docs = parse(path, text);
  if (!docs.some(isSopsDocument)) return text;
  for (const d of docs) if (isSopsDocument(d)) await decryptDocument(d, identities);
  return stringify(docs);
}

/**
 * The file with every Secret's `data`/`stringData` values replaced by `(hidden)` and SOPS metadata
 * dropped: what previews and diffs show (which keys exist, never a value, plaintext or encrypted).
 */
export function redactSecrets(path: string, text: string): string {
  if (!holdsSecret(path, text)) return text;
  let docs: Document[];
  try {
    docs = parse(path, text);
  } catch {
    return "(a Secret that is not valid YAML: hidden)\n";
  }
  for (const d of docs) {
    if (!isSecret(d)) continue;
    const m = d.contents as YAMLMap;
    m.delete("sops");
    for (const field of ["data", "stringData"]) {
      const v = m.get(field);
      if (isMap(v)) for (const pair of (v as YAMLMap).items) pair.value = d.createNode("(hidden)");
    }
  }
  return stringify(docs);
}
