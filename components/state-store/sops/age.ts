/**
 * age keys and the SOPS data key (getsops/sops `age/keysource.go`): the 32-byte data key is age-encrypted
 * to each X25519 recipient and stored ASCII-armored. `age-encryption` is an ES module: loaded lazily with
 * `import()` so this CommonJS codebase can use it.
 */
import { SopsError } from "./errors";

type AgeModule = typeof import("age-encryption", { with: { "resolution-mode": "import" } });
let mod: Promise<AgeModule> | undefined;
const age = (): Promise<AgeModule> => (mod ??= import("age-encryption"));

export interface AgeKeyPair {
  /** `AGE-SECRET-KEY-1…`: the private key (a secret). */
  identity: string;
  /** `age1…`: the public key files are encrypted to. */
  recipient: string;
}

const RECIPIENT = /^age1[02-9ac-hj-np-z]{58}$/;
const IDENTITY = /^AGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]{58}$/;

export function isAgeRecipient(s: unknown): s is string {
  return typeof s === "string" && RECIPIENT.test(s);
}
export function isAgeIdentity(s: unknown): s is string {
  return typeof s === "string" && IDENTITY.test(s);
}

/** A new X25519 key pair (what kustomize-controller's age supports). */
export async function generateAgeKey(): Promise<AgeKeyPair> {
  const a = await age();
  const identity = await a.generateX25519Identity();
  return { identity, recipient: await a.identityToRecipient(identity) };
}

export async function recipientOf(identity: string): Promise<string> {
  if (!isAgeIdentity(identity)) throw new SopsError("SopsInvalidKey", "an age identity must be an X25519 private key AGE-SECRET-KEY-1…");
  return (await age()).identityToRecipient(identity);
}

/** The data key encrypted to one recipient, armored (`-----BEGIN AGE ENCRYPTED FILE-----`). */
export async function encryptDataKey(dataKey: Uint8Array, recipient: string): Promise<string> {
  if (!isAgeRecipient(recipient)) throw new SopsError("SopsInvalidKey", `"${recipient}" is not an age X25519 recipient (age1…)`);
  const a = await age();
  const e = new a.Encrypter();
  e.addRecipient(recipient);
  return a.armor.encode(await e.encrypt(dataKey));
}

/** The data key from any of `encs` with any of `identities`; undefined when none decrypts. */
export async function decryptDataKey(encs: string[], keyFiles: string[]): Promise<Buffer | undefined> {
  const a = await age();
  // Each entry may be a whole age key file: one identity per line, `#` comments.
  const identities = keyFiles.flatMap((k) => k.split("\n")).map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
  for (const enc of encs) {
    let raw: Uint8Array;
    try {
      raw = a.armor.decode(enc);
    } catch {
      continue;
    }
    for (const id of identities) {
      const d = new a.Decrypter();
      d.addIdentity(id);
      try {
        return Buffer.from(await d.decrypt(raw));
      } catch {
        // not this identity's stanza
      }
    }
  }
  return undefined;
}
