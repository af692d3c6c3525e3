/**
 * Secrets never in plaintext in Git: a workflow's Secret is SOPS-encrypted to its destination's age key
 * before the commit, a plaintext Secret for a keyless destination is refused with nothing committed, and
 * a destination that allows plaintext says so in the request's status.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { z } from "zod";
import YAML from "yaml";
import { definePromise } from "../../../components/promise";
import type { AnyPromise } from "../../../components/promise/types";
import { decryptSecrets, plaintextSecrets } from "../../../components/state-store/sops";
import { main } from "../../../cli/main";
import { sha256Hex } from "../../../service/core";
import { startTestPlatform, type TestPlatform } from "../../support/platform";
import { withCapturedRejections } from "../../support/rejections";
import { stackSopsKeys } from "../../../stacks/local-platform/settings";

const run = promisify(execFile);
const PASSWORD = "hunter2-correct-horse-battery";
const ADMIN_TOKEN = "platform-admin-token-sops";

const dbSecretPromise = definePromise({
  name: "db-secret",
  version: "0.1.0",
  api: { group: "test.plinth.dev", version: "v1", kind: "DbSecret", spec: z.object({ password: z.string(), target: z.string() }) },
  workflows: {
    resource: {
      configure: [
        {
          name: "configure",
          steps: [
            {
              name: "render",
              render: ({ object }) => ({
                files: {
                  "secret.yaml": { apiVersion: "v1", kind: "Secret", metadata: { name: `${object.metadata.name}-db`, namespace: object.metadata.namespace }, type: "Opaque", stringData: { password: object.spec.password, user: "app" } },
                  "config.yaml": { apiVersion: "v1", kind: "ConfigMap", metadata: { name: `${object.metadata.name}-cfg`, namespace: object.metadata.namespace }, data: { user: "app" } },
                },
                destinationSelectors: [{ matchLabels: { env: object.spec.target } }],
              }),
            },
          ],
        },
      ],
    },
  },
}) as AnyPromise;

const TOKEN = "tok-3f9a1c-sensitive-value";

/** A Promise with a sensitive field: its workflow logs it, copies it into status and (on demand) leaks it. */
const dbTokenPromise = definePromise({
  name: "db-token",
  version: "0.1.0",
  api: {
    group: "test.plinth.dev",
    version: "v1",
    kind: "DbToken",
    spec: z.object({ token: z.string().meta({ sensitive: true }), leak: z.enum(["none", "configmap", "list"]).default("none") }),
  },
  workflows: {
    resource: {
      configure: [
        {
          name: "configure",
          steps: [
            {
              name: "render",
              render: ({ object, log }) => {
                const name = object.metadata.name;
                const ns = object.metadata.namespace;
                log(`rendering with token ${object.spec.token}`);
                const secret = { apiVersion: "v1", kind: "Secret", metadata: { name: `${name}-token`, namespace: ns }, type: "Opaque", stringData: { token: object.spec.token } };
                const files: Record<string, Record<string, unknown>> = { "secret.yaml": secret };
                if (object.spec.leak === "configmap") files["cm.yaml"] = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: `${name}-cm`, namespace: ns }, data: { token: object.spec.token } };
                if (object.spec.leak === "list") files["secret.yaml"] = { apiVersion: "v1", kind: "List", items: [secret] };
                return { files, status: { echo: `token=${object.spec.token}` }, destinationSelectors: [{ matchLabels: { env: "dev" } }] };
              },
            },
          ],
        },
      ],
    },
  },
}) as AnyPromise;

const config = {
  stateStores: [{ name: "default", embedded: true }],
  destinations: [
    { name: "dev", labels: { env: "dev" } },
    { name: "bare", labels: { env: "bare" }, sopsKey: false },
    { name: "scratch", labels: { env: "scratch" }, allowPlaintextSecrets: true },
  ],
  promises: [{ name: "db-secret" }, { name: "db-token" }],
  teams: [
    { name: "dev", namespaces: ["default"] },
    { name: "admins", namespaces: ["*"], tokenSha256: sha256Hex(ADMIN_TOKEN) },
  ],
};

type Got = { status: { conditions: { type: string; status: string; reason: string; message: string }[]; files?: { path: string }[]; plaintextSecrets?: string[] } };

describe("Secrets are SOPS-encrypted per destination", () => {
  let t: TestPlatform;
  const call = (method: string, p: string, body?: unknown) =>
    fetch(`${t.platform.url}${p}`, { method, headers: { authorization: `Bearer ${t.platform.devToken}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  const get = async (name: string) => (await (await call("GET", `/v1/requests/default/DbSecret/${name}`)).json()) as Got;
  const cond = (g: Got, type: string) => g.status.conditions.find((c) => c.type === type);
  const request = (name: string, target: string, password = PASSWORD) => call("PUT", `/v1/requests/default/DbSecret/${name}`, { apiVersion: "test.plinth.dev/v1", kind: "DbSecret", metadata: { name, namespace: "default" }, spec: { password, target } });
  const gitLog = async () => (await run("git", ["log", "-p", "--all"], { cwd: await t.clone(), maxBuffer: 64 * 1024 * 1024 })).stdout;

  const logLines: string[] = [];
  before(async () => {
    t = await startTestPlatform({ catalogue: { "db-secret": dbSecretPromise, "db-token": dbTokenPromise } });
    await t.platform.up(config);
    await t.platform.serve({ retryBaseMs: 50, log: (l) => void logLines.push(l) });
  });
  after(async () => t?.cleanup());

  test("each keyed destination has its own age recipient; the keyless ones none", async () => {
    const dests = (await (await call("GET", "/v1/destinations")).json()) as { items: { name: string; secrets?: { sopsRecipient?: string; allowPlaintextSecrets?: boolean } }[] };
    const by = Object.fromEntries(dests.items.map((d) => [d.name, d.secrets ?? {}]));
    assert.match(by.dev.sopsRecipient ?? "", /^age1[0-9a-z]{58}$/);
    assert.equal(by.bare.sopsRecipient, undefined);
    assert.equal(by.scratch.sopsRecipient, undefined);
    assert.equal(by.scratch.allowPlaintextSecrets, true);
  });

  test("a workflow's Secret reaches Git only encrypted (whole history); the ConfigMap stays plain; the key decrypts it", async () => {
    assert.ok((await request("app", "dev")).ok);
    await t.platform.service!.idle();
    const got = await get("app");
    assert.equal(cond(got, "Ready")?.status, "True", JSON.stringify(got.status.conditions));
    const log = await gitLog();
    assert.ok(!log.includes(PASSWORD), "the password is nowhere in the State Store's history");
    assert.match(log, /password: ENC\[AES256_GCM,data:/);
    assert.match(log, /user: ENC\[AES256_GCM,/, "every value of stringData is encrypted");
    const clone = await t.clone();
    const file = got.status.files!.find((f) => f.path.endsWith("secret.yaml"))!.path;
    assert.ok(file.startsWith("dev/"), file);
    const text = fs.readFileSync(path.join(clone, file), "utf8");
    assert.deepEqual(plaintextSecrets(file, text), []);
    const doc = YAML.parse(text);
    assert.equal(doc.metadata.name, "app-db", "structure stays readable");
    assert.equal(doc.sops.encrypted_regex, "^(data|stringData)$");
    const cm = fs.readFileSync(path.join(clone, file.replace("secret.yaml", "config.yaml")), "utf8");
    assert.equal(YAML.parse(cm).data.user, "app", "non-Secret files are not encrypted");

    // Decrypts with the destination's private key (a Pulumi secret in the platform stack).
    const keys = await stackSopsKeys(t.platform.workspace, t.platform.stack);
    assert.match(keys.dev, /^AGE-SECRET-KEY-1/);
    assert.equal(YAML.parse(await decryptSecrets(file, text, [keys.dev])).stringData.password, PASSWORD);
    await assert.rejects(decryptSecrets(file, text, [keys.scratch ?? "AGE-SECRET-KEY-1QQQ"]));
  });

  test("reconciling again with nothing changed makes no commit (the ciphertext is stable)", async () => {
    const head = await t.head();
    assert.equal((await call("POST", "/v1/requests/default/DbSecret/app/reconcile")).status, 202);
    await t.platform.service!.idle();
    assert.equal(await t.head(), head);
    assert.equal(cond(await get("app"), "Ready")?.status, "True");
  });

  test("an update rotates the value: the new one is encrypted too", async () => {
    const next = "second-password-value-42";
    assert.ok((await request("app", "dev", next)).ok);
    await t.platform.service!.idle();
    const log = await gitLog();
    assert.ok(!log.includes(next) && !log.includes(PASSWORD));
    const got = await get("app");
    const file = got.status.files!.find((f) => f.path.endsWith("secret.yaml"))!.path;
    const text = fs.readFileSync(path.join(await t.clone(), file), "utf8");
    assert.equal(YAML.parse(await decryptSecrets(file, text, [(await stackSopsKeys(t.platform.workspace, t.platform.stack)).dev])).stringData.password, next);
  });

  test("preview decrypts Git's file inside the service: same values → same; a new value → which key changed, never a value", async () => {
    const next = "second-password-value-42";
    const preview = async (password: string) => {
      const res = await call("PUT", "/v1/requests/default/DbSecret/app?dryRun=All", { apiVersion: "test.plinth.dev/v1", kind: "DbSecret", metadata: { name: "app", namespace: "default" }, spec: { password, target: "dev" } });
      assert.equal(res.status, 200);
      const text = await res.text();
      return { text, files: (JSON.parse(text) as { files: { path: string; change: string; diff: string }[] }).files };
    };
    const same = await preview(next);
    const secret = same.files.find((f) => f.path.endsWith("secret.yaml"))!;
    assert.equal(secret.change, "same", "a re-encryption alone is no change");
    assert.equal(secret.diff, "");
    const changed = await preview("third-password-value-7");
    const s2 = changed.files.find((f) => f.path.endsWith("secret.yaml"))!;
    assert.equal(s2.change, "update");
    assert.match(s2.diff, /Secret default\/app-db \(values hidden\)/);
    assert.match(s2.diff, /~ stringData\.password: changed/);
    assert.ok(!/stringData\.user/.test(s2.diff), "unchanged keys are not listed");
    for (const leak of [next, "third-password-value-7", "ENC[", "AGE-SECRET-KEY"]) assert.ok(!changed.text.includes(leak), `the preview shows no ${leak}`);
  });

  test("plinth secret: a platform-admin reads the decrypted value; a team gets 403 and no value", async () => {
    const cli = async (argv: string[], token: string) => {
      let stdout = "";
      let stderr = "";
      const code = await main(argv, { stdout: (x) => void (stdout += x), stderr: (x) => void (stderr += x), env: { PLINTH_URL: t.platform.url, PLINTH_TOKEN: token }, cwd: process.cwd(), readStdin: async () => "", now: () => Date.now() });
      return { code, stdout, stderr };
    };
    const next = "second-password-value-42";
    const all = await cli(["secret", "DbSecret", "app"], ADMIN_TOKEN);
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stdout, /^# Secret default\/app-db \(dev: dev\/resources\/default\/db-secret\/app\/.*secret\.yaml\)$/m);
    assert.match(all.stdout, new RegExp(`^password=${next}$`, "m"));
    assert.match(all.stdout, /^user=app$/m);
    const one = await cli(["secret", "DbSecret", "app", "--key", "password"], ADMIN_TOKEN);
    assert.equal(one.stdout, `${next}\n`);
    const denied = await cli(["secret", "DbSecret", "app"], t.platform.devToken);
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /ForbiddenSecretRead/);
    assert.ok(!denied.stdout.includes(next) && !denied.stderr.includes(next));
    const res = await call("GET", "/v1/requests/default/DbSecret/app/secrets");
    assert.equal(res.status, 403);
  });

  test("a plaintext Secret for a destination without a key is refused (Stalled, PlaintextSecret, naming the file); nothing is committed", async () => {
    const head = await t.head();
    const run = await withCapturedRejections(async () => {
      assert.ok((await request("leak", "bare")).ok);
      await t.platform.service!.idle();
    });
    assert.equal(run.error, undefined);
    assert.ok(run.rejections.every((r) => /PlaintextSecret/.test(String((r as Error)?.message ?? r))), "only the refused program's own rejections");
    const got = await get("leak");
    const stalled = cond(got, "Stalled");
    assert.equal(stalled?.status, "True", JSON.stringify(got.status.conditions));
    assert.equal(stalled?.reason, "PlaintextSecret");
    assert.match(stalled!.message, /bare\/resources\/default\/db-secret\/leak\/configure\/[^ ]+\/secret\.yaml/);
    assert.equal(cond(got, "Ready")?.reason, "PlaintextSecret");
    assert.equal(await t.head(), head, "nothing committed");
    assert.ok(!(await gitLog()).includes(PASSWORD));
  });

  test("a destination that allows plaintext gets it, and the status says so", async () => {
    assert.ok((await request("dev-only", "scratch", "scratch-password")).ok);
    await t.platform.service!.idle();
    const got = await get("dev-only");
    assert.equal(cond(got, "Ready")?.status, "True", JSON.stringify(got.status.conditions));
    const flag = cond(got, "SecretsEncrypted");
    assert.equal(flag?.status, "False");
    assert.equal(flag?.reason, "PlaintextSecretsAllowed");
    assert.match(flag!.message, /scratch\/resources\/default\/db-secret\/dev-only\/.*secret\.yaml/);
    assert.match(await gitLog(), /password: scratch-password/);
  });
  test("a sensitive field: SOPS-encrypted in Git, never plaintext in GET, status, step logs, service logs, the stack settings or the Pulumi state", async () => {
    const put = (name: string, spec: Record<string, unknown>) =>
      call("PUT", `/v1/requests/default/DbToken/${name}`, { apiVersion: "test.plinth.dev/v1", kind: "DbToken", metadata: { name, namespace: "default" }, spec });
    assert.ok((await put("tok", { token: TOKEN })).ok);
    await t.platform.service!.idle();
    const res = await call("GET", "/v1/requests/default/DbToken/tok");
    const text = await res.text();
    const got = JSON.parse(text) as Got & { spec: { token: string }; metadata: { generation: number }; status: { echo?: string } };
    assert.equal(cond(got, "Ready")?.status, "True", JSON.stringify(got.status.conditions));
    assert.ok(!text.includes(TOKEN), "GET never shows it");
    assert.equal(got.spec.token, "(sensitive)");
    assert.equal(got.status.echo, "token=(sensitive)", "a value a workflow copied into status is hidden too");
    const list = await (await call("GET", "/v1/requests?kind=DbToken")).text();
    assert.ok(!list.includes(TOKEN) && list.includes("(sensitive)"));
    const logs = await (await call("GET", "/v1/requests/default/DbToken/tok/logs")).text();
    assert.match(logs, /rendering with token/);
    assert.ok(!logs.includes(TOKEN), "step logs never show it");
    assert.ok(!(await gitLog()).includes(TOKEN), "Git holds it only encrypted");
    // On disk: the stack settings (the stored request) and the Pulumi state hold it only encrypted.
    const ws = t.platform.service!.options.workspace.options;
    const grep = async (dir: string) => (await run("grep", ["-rlF", TOKEN, dir]).catch((e: { code?: number }) => (e.code === 1 ? { stdout: "" } : Promise.reject(e)))).stdout.trim();
    assert.equal(await grep(ws.workDir), "", "no file of the request workspace holds it in plaintext");
    assert.equal(await grep(ws.backendUrl.replace(/^file:\/\//, "")), "", "the Pulumi state holds it only as a secret");
    assert.ok(logLines.every((l) => !l.includes(TOKEN)), "service log lines never show it");
    // Sent back as read, "(sensitive)" keeps the stored value: no new generation, the Secret unchanged.
    const again = await put("tok", got.spec);
    assert.ok(again.ok);
    await t.platform.service!.idle();
    const after = (await (await call("GET", "/v1/requests/default/DbToken/tok")).json()) as { metadata: { generation: number } };
    assert.equal(after.metadata.generation, got.metadata.generation);
    const secrets = (await (await fetch(`${t.platform.url}/v1/requests/default/DbToken/tok/secrets`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as { items: { data: Record<string, string> }[] };
    assert.equal(secrets.items[0].data.token, TOKEN, "the platform team reads the real value");
  });

  test("a sensitive field outside a Secret, or a Secret nested in a List, to a keyed destination is refused (PlaintextSecret, naming file and field); nothing is committed", async () => {
    const head = await t.head();
    const put = (name: string, leak: string) =>
      call("PUT", `/v1/requests/default/DbToken/${name}`, { apiVersion: "test.plinth.dev/v1", kind: "DbToken", metadata: { name, namespace: "default" }, spec: { token: TOKEN, leak } });
    const run1 = await withCapturedRejections(async () => {
      assert.ok((await put("leak-cm", "configmap")).ok);
      assert.ok((await put("leak-list", "list")).ok);
      await t.platform.service!.idle();
    });
    assert.equal(run1.error, undefined);
    for (const [name, pattern] of [
      ["leak-cm", /cm\.yaml \(holding sensitive field spec\.token outside a Secret/],
      ["leak-list", /secret\.yaml \(Secret default\/leak-list-token \(nested in another object/],
    ] as const) {
      const res = await call("GET", `/v1/requests/default/DbToken/${name}`);
      const text = await res.text();
      const got = JSON.parse(text) as Got;
      const stalled = cond(got, "Stalled");
      assert.equal(stalled?.reason, "PlaintextSecret", JSON.stringify(got.status.conditions));
      assert.match(stalled!.message, pattern);
      assert.ok(!text.includes(TOKEN));
    }
    assert.equal(await t.head(), head, "nothing committed");
    assert.ok(!(await gitLog()).includes(TOKEN));
    assert.ok(logLines.every((l) => !l.includes(TOKEN)), "service log lines never show it");
  });

  test("key rotation: one commit re-encrypts every Secret the destination holds to its new key; the old key alone opens none", async () => {
    const before = await stackSopsKeys(t.platform.workspace, t.platform.stack);
    const oldId = before.dev.split("\n")[0];
    const head = await t.head();
    const recipientBefore = ((await (await call("GET", "/v1/destinations")).json()) as { items: { name: string; secrets: { sopsRecipient: string } }[] }).items.find((d) => d.name === "dev")!.secrets.sopsRecipient;
    await t.platform.up({ ...config, destinations: config.destinations.map((d) => (d.name === "dev" ? { ...d, sopsKeyRotation: 1 } : d)) });
    const clone = await t.clone();
    const git = async (...a: string[]) => (await run("git", a, { cwd: clone })).stdout.trim();
    assert.equal(await git("rev-list", "--count", `${head}..HEAD`), "1", "exactly one commit");
    const changed = (await git("show", "--name-only", "--format=", "HEAD")).split("\n").filter(Boolean);
    assert.ok(changed.length >= 2 && changed.every((f) => f.startsWith("dev/") && f.endsWith("secret.yaml")), changed.join(", "));
    assert.ok(changed.some((f) => f.includes("/db-secret/app/")) && changed.some((f) => f.includes("/db-token/tok/")), "every Secret of the destination, of every request");
    const after = await stackSopsKeys(t.platform.workspace, t.platform.stack);
    const newId = after.dev.split("\n")[0];
    assert.notEqual(newId, oldId);
    assert.equal(after.dev.split("\n")[1], oldId, "the key file keeps the previous identity until the next rotation");
    for (const f of changed) {
      const text = fs.readFileSync(path.join(clone, f), "utf8");
      const data = YAML.parse(await decryptSecrets(f, text, [newId])).stringData;
      if (f.includes("/db-secret/app/")) assert.equal(data.password, "second-password-value-42");
      if (f.includes("/db-token/tok/")) assert.equal(data.token, TOKEN);
      await assert.rejects(decryptSecrets(f, text, [oldId]), /SopsNoKey|none of the given age keys/);
    }
    assert.ok(!(await gitLog()).includes("second-password-value-42"));
    await t.platform.serve({ retryBaseMs: 50 });
    const recipientAfter = ((await (await call("GET", "/v1/destinations")).json()) as { items: { name: string; secrets: { sopsRecipient: string } }[] }).items.find((d) => d.name === "dev")!.secrets.sopsRecipient;
    assert.notEqual(recipientAfter, recipientBefore);
  });
});
