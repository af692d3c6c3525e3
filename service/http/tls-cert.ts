/**
 * A self-signed serving certificate for the platform's loopback server (pure Node crypto, DER by hand):
 * ECDSA P-256, `CN=plinth`, SANs `IP:127.0.0.1`, `IP:::1`, `DNS:localhost`, CA so clients can pin it as
 * their root (kubectl's kubeconfig `certificate-authority-data`). kubectl sends bearer tokens only over
 * TLS, so the Kubernetes-compatible API needs one. Kept in the data dir (key mode 0600), reused across starts.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

function len(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), len(body.length), body]);
}

const seq = (...c: Buffer[]) => tlv(0x30, ...c);

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split(".").map(Number);
  const out = [40 * a + b];
  for (const n of rest) {
    const chunk = [n & 0x7f];
    for (let v = Math.floor(n / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift(0x80 | (v & 0x7f));
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

function integer(bytes: Buffer): Buffer {
  return tlv(0x02, bytes[0] & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, "").slice(0, 14) + "Z"; // YYYYMMDDHHMMSSZ
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(iso.slice(2))) : tlv(0x18, Buffer.from(iso));
}

const ECDSA_SHA256 = seq(oid("1.2.840.10045.4.3.2"));
const name = (cn: string) => seq(tlv(0x31, seq(oid("2.5.4.3"), tlv(0x0c, Buffer.from(cn)))));
const extension = (id: string, critical: boolean, value: Buffer) => seq(oid(id), ...(critical ? [tlv(0x01, Buffer.from([0xff]))] : []), tlv(0x04, value));

export interface ServingCert {
  key: string;
  cert: string;
}

export function selfSignedCert(opts: { commonName?: string; days?: number; now?: Date } = {}): ServingCert {
  const { privateKey, publicKey } = crypto.generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const now = opts.now ?? new Date();
  const notBefore = new Date(now.getTime() - 3600_000);
  const notAfter = new Date(now.getTime() + (opts.days ?? 3650) * 86400_000);
  const serial = crypto.randomBytes(16);
  // Positive and minimal in DER: a first byte of 0x00 (then a redundant leading zero) is refused by OpenSSL.
  serial[0] = (serial[0] & 0x7f) | 0x40;
  const san = seq(tlv(0x87, Buffer.from([127, 0, 0, 1])), tlv(0x87, Buffer.alloc(16, 0).fill(1, 15)), tlv(0x82, Buffer.from("localhost")));
  const extensions = seq(
    extension("2.5.29.19", true, seq(tlv(0x01, Buffer.from([0xff])))), // basicConstraints: CA
    extension("2.5.29.15", true, tlv(0x03, Buffer.from([0x02, 0x84]))), // keyUsage: digitalSignature, keyCertSign
    extension("2.5.29.37", false, seq(oid("1.3.6.1.5.5.7.3.1"))), // extKeyUsage: serverAuth
    extension("2.5.29.17", false, san),
  );
  const cn = opts.commonName ?? "plinth";
  const tbs = seq(
    tlv(0xa0, integer(Buffer.from([2]))),
    integer(serial),
    ECDSA_SHA256,
    name(cn),
    seq(time(notBefore), time(notAfter)),
    name(cn),
    publicKey.export({ type: "spki", format: "der" }),
    tlv(0xa3, extensions),
  );
  const signature = crypto.sign("sha256", tbs, privateKey);
  const der = seq(tbs, ECDSA_SHA256, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const b64 = der.toString("base64").replace(/(.{64})/g, "$1\n").trim();
  return { key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(), cert: `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n` };
}

/** The serving certificate in `dir` (`tls.key`, `tls.crt`), made once. */
export function servingCert(dir: string): ServingCert {
  const keyFile = path.join(dir, "tls.key");
  const certFile = path.join(dir, "tls.crt");
  if (fs.existsSync(keyFile) && fs.existsSync(certFile)) {
    const existing = { key: fs.readFileSync(keyFile, "utf8"), cert: fs.readFileSync(certFile, "utf8") };
    if (Date.parse(new crypto.X509Certificate(existing.cert).validTo) > Date.now()) return existing;
  }
  const made = selfSignedCert();
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(keyFile, made.key, { mode: 0o600 });
  fs.writeFileSync(certFile, made.cert);
  return made;
}
