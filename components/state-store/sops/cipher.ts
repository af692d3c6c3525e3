/**
 * The SOPS value cipher (getsops/sops `aes/cipher.go`): AES-256-GCM with a 32-byte random IV, the value's
 * tree path joined by ':' plus a trailing ':' as additional data, stored as
 * `ENC[AES256_GCM,data:<b64>,iv:<b64>,tag:<b64>,type:<str|int|float|bool>]`. Empty strings stay empty.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { SopsError } from "./errors";

export type SopsValue = string | number | boolean;

const IV_BYTES = 32;
const TAG_BYTES = 16;
const ENC = /^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\]/;

/** Go's strconv.FormatFloat(v, 'f', -1, 64): shortest decimal, never an exponent. */
export function formatFloat(v: number): string {
  if (!Number.isFinite(v)) throw new SopsError("SopsUnsupportedValue", `cannot encrypt the non-finite number ${v}`);
  const s = String(v);
  if (!/e/i.test(s)) return s;
  return v.toLocaleString("en-US", { useGrouping: false, maximumFractionDigits: 100 });
}

/** The bytes a value contributes to the MAC (sops `ToBytes`): booleans are `True`/`False`. */
export function valueBytes(v: SopsValue): Buffer {
  if (typeof v === "string") return Buffer.from(v, "utf8");
  if (typeof v === "boolean") return Buffer.from(v ? "True" : "False");
  return Buffer.from(Number.isInteger(v) ? String(v) : formatFloat(v));
}

function typeOf(v: SopsValue): string {
  if (typeof v === "string") return "str";
  if (typeof v === "boolean") return "bool";
  return Number.isInteger(v) ? "int" : "float";
}

export function isEncryptedValue(v: unknown): v is string {
  return typeof v === "string" && ENC.test(v);
}

export function encryptValue(v: SopsValue, key: Buffer, additionalData: string): string {
  if (v === "") return "";
  const iv = randomBytes(IV_BYTES);
  const c = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
  c.setAAD(Buffer.from(additionalData, "utf8"));
  const data = Buffer.concat([c.update(valueBytes(v)), c.final()]);
  const tag = c.getAuthTag();
  return `ENC[AES256_GCM,data:${data.toString("base64")},iv:${iv.toString("base64")},tag:${tag.toString("base64")},type:${typeOf(v)}]`;
}

export function decryptValue(text: string, key: Buffer, additionalData: string): SopsValue {
  if (text === "") return "";
  const m = ENC.exec(text);
  if (!m) throw new SopsError("SopsNotEncrypted", `value at "${additionalData}" is not in the SOPS format ENC[AES256_GCM,…]`);
  const [, data, iv, tag, type] = m;
  let plain: Buffer;
  try {
    const d = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64"), { authTagLength: TAG_BYTES });
    d.setAAD(Buffer.from(additionalData, "utf8"));
    d.setAuthTag(Buffer.from(tag, "base64"));
    plain = Buffer.concat([d.update(Buffer.from(data, "base64")), d.final()]);
  } catch {
    throw new SopsError("SopsTampered", `value at "${additionalData}" does not decrypt: it was changed, moved or encrypted with another key`);
  }
  const s = plain.toString("utf8");
  switch (type) {
    case "str":
      return s;
    case "int":
    case "int64":
      return Number.parseInt(s, 10);
    case "float":
      return Number.parseFloat(s);
    case "bool":
      return /^(1|t|true)$/i.test(s);
    default:
      throw new SopsError("SopsUnsupportedValue", `value at "${additionalData}" has the unsupported SOPS type "${type}"`);
  }
}
