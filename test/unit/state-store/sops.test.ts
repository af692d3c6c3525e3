import { describe, test, before } from "node:test";
import assert from "node:assert/strict";
import { createDecipheriv, createHash } from "node:crypto";
import { decryptDataKey } from "../../../components/state-store/sops/age";
import { parse, parseDocument } from "yaml";
import {
  decryptDocument,
  decryptSecrets,
  encryptDocument,
  encryptSecrets,
  generateAgeKey,
  plaintextSecrets,
  recipientOf,
  SECRET_ENCRYPTED_REGEX,
  type AgeKeyPair,
} from "../../../components/state-store/sops";

const SECRET = `apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: team-a # the team's namespace
  labels:
    app: web
type: Opaque
stringData:
  password: s3cr3t-value
  empty: ""
data:
  token: dG9rZW4=
  list:
    - one
    - 2
    - true
`;

const ENC = /^ENC\[AES256_GCM,data:([A-Za-z0-9+/=]*),iv:([A-Za-z0-9+/=]+),tag:([A-Za-z0-9+/=]+),type:(str|int|float|bool)\]$/;

let key: AgeKeyPair;
let other: AgeKeyPair;
before(async () => {
  key = await generateAgeKey();
  other = await generateAgeKey();
});

async function encrypted(text = SECRET, now = new Date("2026-11-30T12:00:00.123Z")): Promise<string> {
  const doc = parseDocument(text);
  await encryptDocument(doc, { recipients: [key.recipient], rules: { encryptedRegex: SECRET_ENCRYPTED_REGEX }, now });
  return doc.toString({ lineWidth: 0 });
}

async function decrypted(text: string, ids = [key.identity]): Promise<unknown> {
  const doc = parseDocument(text);
  await decryptDocument(doc, ids);
  return doc.toJSON();
}

describe("SOPS format (age)", () => {
  test("age keys: X25519, recipient derived from the identity", async () => {
    assert.match(key.identity, /^AGE-SECRET-KEY-1[0-9A-Z]{58}$/);
    assert.match(key.recipient, /^age1[0-9a-z]{58}$/);
    assert.equal(await recipientOf(key.identity), key.recipient);
    assert.notEqual(key.recipient, other.recipient);
  });

  test("encrypt → decrypt round trip; keys, structure and non-secret fields stay readable", async () => {
    const out = await encrypted();
    const y = parse(out);
    assert.equal(y.kind, "Secret");
    assert.equal(y.metadata.name, "db");
    assert.equal(y.metadata.labels.app, "web");
    assert.deepEqual(Object.keys(y.stringData), ["password", "empty"]);
    assert.match(y.stringData.password, ENC);
    assert.equal(y.stringData.empty, "", "empty strings stay empty, as in sops");
    assert.match(y.data.token, ENC);
    assert.deepEqual(y.data.list.map((v: string) => ENC.exec(v)?.[4]), ["str", "int", "bool"]);
    assert.doesNotMatch(out, /s3cr3t|dG9rZW4|team's namespace/);
    // the sops metadata block
    assert.equal(y.sops.age.length, 1);
    assert.equal(y.sops.age[0].recipient, key.recipient);
    assert.match(y.sops.age[0].enc, /^-----BEGIN AGE ENCRYPTED FILE-----\n[\s\S]+\n-----END AGE ENCRYPTED FILE-----\n$/);
    assert.equal(y.sops.lastmodified, "2026-11-30T12:00:00Z");
    assert.match(y.sops.mac, ENC);
    assert.equal(y.sops.encrypted_regex, "^(data|stringData)$");
    assert.match(y.sops.version, /^3\.\d+\.\d+$/);
    assert.deepEqual(await decrypted(out), parse(SECRET));
  });

  test("byte-level: 32-byte IV, 16-byte tag, the path plus ':' as additional data", async () => {
    const out = await encrypted();
    const y = parse(out);
    const m = ENC.exec(y.stringData.password)!;
    assert.equal(Buffer.from(m[2], "base64").length, 32);
    assert.equal(Buffer.from(m[3], "base64").length, 16);
    // Moving a value to another key fails: the path is authenticated.
    const moved = out.replace(`token: ${y.data.token}`, `token: ${y.stringData.password}`);
    await assert.rejects(decrypted(moved), { code: "SopsTampered" });
  });

  test("the MAC covers every value, encrypted or not", async () => {
    const out = await encrypted();
    const y = parse(out);
    // Each plaintext value changed (outside data/stringData) is detected by the MAC.
    for (const [from, to] of [["name: db", "name: dbx"], ["app: web", "app: api"], ["type: Opaque", "type: kubernetes.io/tls"], ["kind: Secret", "kind: ConfigMap"]]) {
      assert.ok(out.includes(from), from);
      await assert.rejects(decrypted(out.replace(from, to)), { code: "SopsMacMismatch" }, from);
    }
    // Removing an encrypted value, or reordering two, is detected too.
    await assert.rejects(decrypted(out.replace(/\n {4}- ENC\[[^\n]+type:bool\]/, "")), { code: "SopsMacMismatch" });
    const [a, b] = [y.stringData.password, y.data.token];
    assert.ok(a && b);
    // Replacing the ciphertext of a value, the MAC or lastmodified is detected.
    const flipped = y.stringData.password.replace(/data:(.)/, (_: string, c: string) => `data:${c === "A" ? "B" : "A"}`);
    await assert.rejects(decrypted(out.replace(y.stringData.password, flipped)), { code: "SopsTampered" });
    const mac2 = y.sops.mac.replace(/tag:(.)/, (_: string, c: string) => `tag:${c === "A" ? "B" : "A"}`);
    await assert.rejects(decrypted(out.replace(y.sops.mac, mac2)), { code: "SopsTampered" });
    await assert.rejects(decrypted(out.replace("2026-11-30T12:00:00Z", "2026-11-30T12:00:01Z")), { code: "SopsTampered" });
  });

  test("the stored MAC is the uppercase hex SHA-512 of the values in tree order", async () => {
    const out = await encrypted();
    const y = parse(out);
    const dataKey = (await decryptDataKey([y.sops.age[0].enc], [key.identity]))!;
    const m = ENC.exec(y.sops.mac)!;
    const d = createDecipheriv("aes-256-gcm", dataKey, Buffer.from(m[2], "base64"));
    d.setAAD(Buffer.from(y.sops.lastmodified));
    d.setAuthTag(Buffer.from(m[3], "base64"));
    const mac = Buffer.concat([d.update(Buffer.from(m[1], "base64")), d.final()]).toString();
    const values = ["v1", "Secret", "db", "team-a", "web", "Opaque", "s3cr3t-value", "", "dG9rZW4=", "one", "2", "True"];
    assert.equal(mac, createHash("sha512").update(values.join("")).digest("hex").toUpperCase());
  });

  test("another key cannot decrypt; several recipients each can", async () => {
    const out = await encrypted();
    await assert.rejects(decrypted(out, [other.identity]), { code: "SopsNoKey" });
    const doc = parseDocument(SECRET);
    await encryptDocument(doc, { recipients: [key.recipient, other.recipient], rules: { encryptedRegex: SECRET_ENCRYPTED_REGEX } });
    const both = doc.toString();
    assert.deepEqual(await decrypted(both, [other.identity]), parse(SECRET));
    assert.deepEqual(await decrypted(both, [key.identity]), parse(SECRET));
  });

  test("manifest files: only Secret documents are encrypted; plaintext Secrets are found", async () => {
    const cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: b\n";
    const file = `${cm}---\n${SECRET}`;
    assert.deepEqual(plaintextSecrets("x/secret.yaml", file), ["team-a/db"]);
    assert.deepEqual(plaintextSecrets("x/config.yaml", cm), []);
    assert.deepEqual(plaintextSecrets("README.md", SECRET), []);
    const out = await encryptSecrets("x/secret.yaml", file, [key.recipient]);
    assert.deepEqual(plaintextSecrets("x/secret.yaml", out), []);
    assert.ok(out.startsWith(cm), "the ConfigMap is untouched");
    assert.match(out, /\n---\n/);
    assert.equal(await encryptSecrets("x/config.yaml", cm, [key.recipient]), cm, "files without Secrets are returned as they are");
    const back = await decryptSecrets("x/secret.yaml", out, [key.identity]);
    assert.deepEqual(back.split(/^---$/m).map((d) => parse(d)), [parse(cm), parse(SECRET)]);
  });
});
