/**
 * The service's side of SOPS, as pure functions: the value-free preview diff of a Secret file, the
 * re-encryption of a destination after a key rotation (one replaceFiles call), sensitive spec fields
 * (paths from zod `.meta`, masking, restoring what was sent back masked, refusal outside a Secret) and
 * the sealing of sensitive values in the stored request.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { parseDocument } from "yaml";
import { z } from "zod";
import { definePromise } from "../../../components/promise";
import { PlaintextSecretError, secureSecrets } from "../../../components/promise/secrets";
import { redactSpec, redactValues, restoreRedacted, sensitivePaths, sensitiveValues } from "../../../components/promise/sensitive";
import type { AnyPromise } from "../../../components/promise/types";
import { decryptSecrets, encryptSecrets, generateAgeKey, recipientsOf, type AgeKeyPair } from "../../../components/state-store/sops";
import { secretFileDiff } from "../../../service/core/secret-diff";
import { sealedSpecCodec } from "../../../service/core/sealed-spec";
import { rekeyDirectory } from "../../../service/provider/sops-rekey";

const secret = (password: string, extra: Record<string, string> = {}) =>
  `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: team-a\nstringData:\n  password: ${password}\n  user: app\n${Object.entries(extra).map(([k, v]) => `  ${k}: ${v}\n`).join("")}`;

const promise = definePromise({
  name: "p",
  version: "0.1.0",
  api: {
    group: "t.plinth.dev",
    version: "v1",
    kind: "P",
    spec: z.object({
      token: z.string().meta({ sensitive: true }),
      db: z.object({ password: z.string().optional().meta({ sensitive: true }), host: z.string() }).default({ host: "h" }),
      users: z.array(z.object({ name: z.string(), key: z.string().meta({ sensitive: true }) })).default([]),
      size: z.number(),
    }),
  },
}) as AnyPromise;

describe("SOPS in the service", () => {
  let k: AgeKeyPair;
  before(async () => {
    k = await generateAgeKey();
  });

  test("preview: re-encryption alone is no change; a changed, added or removed key is named, never a value", async () => {
    const git = await encryptSecrets("s.yaml", secret("old-value-1"), [k.recipient]);
    assert.deepEqual(await secretFileDiff("d/s.yaml", git, secret("old-value-1"), [k.identity]), { change: "same", diff: "" });
    const d = await secretFileDiff("d/s.yaml", git, secret("new-value-2", { token: "t0k3n-new" }), [k.identity]);
    assert.equal(d.change, "update");
    assert.match(d.diff, /^ Secret team-a\/db \(values hidden\)$/m);
    assert.match(d.diff, /^~ stringData\.password: changed$/m);
    assert.match(d.diff, /^\+ stringData\.token: added$/m);
    assert.doesNotMatch(d.diff, /stringData\.user/);
    for (const leak of ["old-value-1", "new-value-2", "t0k3n-new", "ENC["]) assert.ok(!d.diff.includes(leak), leak);
    const removed = await secretFileDiff("d/s.yaml", git, secret("old-value-1").replace("  user: app\n", ""), [k.identity]);
    assert.match(removed.diff, /^- stringData\.user: removed$/m);
    // Without the key: every key shows as changed, still no value.
    const blind = await secretFileDiff("d/s.yaml", git, secret("old-value-1"), []);
    assert.equal(blind.change, "update");
    assert.match(blind.diff, /cannot be decrypted/);
    assert.ok(!blind.diff.includes("old-value-1"));
  });

  test("rotation: every file encrypted to another key is re-encrypted to the new recipient in one replaceFiles call", async () => {
    const next = await generateAgeKey();
    const files: Record<string, string> = {
      "resources/a/secret.yaml": await encryptSecrets("secret.yaml", secret("pw-a"), [k.recipient]),
      "resources/b/secret.yaml": await encryptSecrets("secret.yaml", secret("pw-b"), [next.recipient]),
      "resources/c/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n",
    };
    const calls: unknown[] = [];
    const writer = {
      readDirectory: async () => files,
      replaceFiles: async (a: unknown) => (calls.push(a), { commit: "c1", changed: true }),
    };
    const out = await rekeyDirectory(writer, "dev", next.recipient, [`${next.identity}\n${k.identity}`]);
    assert.deepEqual(Object.keys(out), ["resources/a/secret.yaml"], "only the stale file");
    assert.equal(out["resources/a/secret.yaml"].from, files["resources/a/secret.yaml"]);
    const to = out["resources/a/secret.yaml"].to;
    assert.deepEqual(recipientsOf(parseDocument(to)), [next.recipient]);
    assert.match(await decryptSecrets("secret.yaml", to, [next.identity]), /password: pw-a/);
    await assert.rejects(decryptSecrets("secret.yaml", to, [k.identity]));
    // A file no given key opens fails the rotation, naming it.
    await assert.rejects(rekeyDirectory(writer, "dev", (await generateAgeKey()).recipient, [next.identity]), /SopsRekeyFailed|cannot re-encrypt dev\/resources\/a\/secret\.yaml/);
  });

  test("sensitive fields: paths from zod .meta, values, masking and restoring what was sent back masked", () => {
    assert.deepEqual(sensitivePaths(promise), [["token"], ["db", "password"], ["users", "*", "key"]]);
    const spec = { token: "tok-1234", db: { password: "pw-5678", host: "db.local" }, users: [{ name: "a", key: "key-aaaa" }, { name: "b", key: "key-bbbb" }], size: 3 };
    assert.deepEqual(sensitiveValues(promise, spec).map((v) => v.path), ["spec.token", "spec.db.password", "spec.users.0.key", "spec.users.1.key"]);
    const masked = redactSpec(promise, spec) as typeof spec;
    assert.deepEqual(masked, { token: "(sensitive)", db: { password: "(sensitive)", host: "db.local" }, users: [{ name: "a", key: "(sensitive)" }, { name: "b", key: "(sensitive)" }], size: 3 });
    assert.deepEqual(restoreRedacted(promise, { ...masked, users: [...masked.users, { name: "c", key: "key-cccc" }] }, spec), { ...spec, users: [...spec.users, { name: "c", key: "key-cccc" }] });
    assert.deepEqual(redactValues({ m: "token is tok-1234!", n: 1 }, ["tok-1234"]), { m: "token is (sensitive)!", n: 1 });
    assert.deepEqual(redactSpec(promise, { size: 1, db: { host: "h" } }), { size: 1, db: { host: "h" } }, "absent fields stay absent");
  });

  test("a sensitive value outside a Secret, or a Secret in a List, is refused even for a keyed destination; inside a Secret it is fine", async () => {
    const dests = [{ name: "dev", labels: {}, stateStore: "s", secrets: { sopsRecipient: k.recipient } }];
    const sensitive = [{ path: "spec.token", value: "tok-1234" }];
    const place = (files: Record<string, string>) => [{ name: "p", store: "s", dir: "dev/resources/x", destination: "dev", files }];
    assert.equal(secureSecrets(place({ "s.yaml": secret("tok-1234") }), dests, sensitive).placements[0].sops?.recipients[0], k.recipient);
    assert.throws(
      () => secureSecrets(place({ "cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {t: tok-1234}\n" }), dests, sensitive),
      (e: PlaintextSecretError) => e.code === "PlaintextSecret" && /dev\/resources\/x\/cm\.yaml \(holding sensitive field spec\.token outside a Secret/.test(e.message),
    );
    assert.throws(
      () => secureSecrets(place({ "b64.yaml": `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\nbinaryData: {t: ${Buffer.from("tok-1234").toString("base64")}}\n` }), dests, sensitive),
      /holding sensitive field spec\.token/,
      "base64 of the value counts too",
    );
    assert.throws(() => secureSecrets(place({ "l.yaml": `apiVersion: v1\nkind: List\nitems:\n- ${JSON.stringify({ apiVersion: "v1", kind: "Secret", metadata: { name: "n" }, stringData: { a: "b" } })}\n` }), dests), /Secret n \(nested in another object/);
  });

  test("stored requests: sensitive values are sealed (bound to the request's uid) and open again", () => {
    const codec = sealedSpecCodec("passphrase", () => promise);
    const object = { apiVersion: "t.plinth.dev/v1", kind: "P", metadata: { name: "x", namespace: "default", uid: "u-1" }, spec: { token: "tok-1234", db: { host: "h" }, users: [], size: 1 } };
    const sealed = codec.seal("p", object as never);
    assert.ok(!JSON.stringify(sealed).includes("tok-1234"));
    assert.match((sealed.spec as { token: string }).token, /^plinth-sealed:v1:/);
    assert.deepEqual(codec.unseal("p", sealed), object);
    assert.throws(() => codec.unseal("p", { ...sealed, metadata: { ...sealed.metadata, uid: "u-2" } }), "another request's sealed value does not open");
    assert.throws(() => sealedSpecCodec("other", () => promise).unseal("p", sealed));
    assert.throws(() => sealedSpecCodec("", () => promise).seal("p", object as never), /SealKeyMissing|no secrets passphrase/, "never sealed with an empty key");
  });
});
