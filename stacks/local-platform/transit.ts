/**
 * A key service for the engine, speaking the HashiCorp Vault transit API (`/v1/transit/encrypt|decrypt`),
 * served by the platform itself on loopback. Request stacks use the `hashivault://plinth` secrets provider:
 * the engine unwraps each stack's data key with one local HTTP call instead of deriving a key from the
 * passphrase (PBKDF2, 1 000 000 rounds ≈ 0.3 s of CPU per CLI run). The master key is 32 random bytes
 * kept in the platform's data dir (mode 600), like the passphrase it replaces; a token guards the endpoint.
 */
import * as crypto from "node:crypto";
import type * as http from "node:http";

export interface TransitOptions {
  /** 32-byte master key. */
  key: Buffer;
  /** Value of the `X-Vault-Token` header callers must send. */
  token: string;
  /** Mount prefix, e.g. `/vault` → `/vault/v1/transit/encrypt/<name>`. */
  prefix: string;
}

export function encryptTransit(key: Buffer, name: string, plaintext: Buffer): string {
  const iv = crypto.randomBytes(12);
  const c = crypto.createCipheriv("aes-256-gcm", key, iv);
  c.setAAD(Buffer.from(name));
  const body = Buffer.concat([c.update(plaintext), c.final()]);
  return `vault:v1:${Buffer.concat([iv, c.getAuthTag(), body]).toString("base64")}`;
}

export function decryptTransit(key: Buffer, name: string, ciphertext: string): Buffer {
  const m = /^vault:v1:(.+)$/.exec(ciphertext);
  if (!m) throw new Error("ciphertext is not in vault:v1: form");
  const raw = Buffer.from(m[1], "base64");
  const d = crypto.createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
  d.setAAD(Buffer.from(name));
  d.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([d.update(raw.subarray(28)), d.final()]);
}

export function createTransitHandler(o: TransitOptions): (req: http.IncomingMessage, res: http.ServerResponse) => Promise<boolean> {
  const route = new RegExp(`^${o.prefix.replace(/\//g, "\\/")}/v1/transit/(encrypt|decrypt)/([A-Za-z0-9_-]+)$`);
  const answer = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  return async (req, res) => {
    const m = route.exec((req.url ?? "").split("?")[0]);
    if (!m) return false;
    const given = String(req.headers["x-vault-token"] ?? "");
    if (given.length !== o.token.length || !crypto.timingSafeEqual(Buffer.from(given), Buffer.from(o.token))) {
      answer(res, 403, { errors: ["permission denied"] });
      return true;
    }
    if (req.method !== "POST" && req.method !== "PUT") {
      answer(res, 405, { errors: ["method not allowed"] });
      return true;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as { plaintext?: string; ciphertext?: string };
      if (m[1] === "encrypt") {
        answer(res, 200, { data: { ciphertext: encryptTransit(o.key, m[2], Buffer.from(body.plaintext ?? "", "base64")) } });
      } else {
        answer(res, 200, { data: { plaintext: decryptTransit(o.key, m[2], String(body.ciphertext)).toString("base64") } });
      }
    } catch (err) {
      answer(res, 400, { errors: [(err as Error).message] });
    }
    return true;
  };
}
