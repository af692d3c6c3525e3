import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import YAML from "yaml";
import { startCli, type CliHarness } from "./cli-harness";

describe("plinth kubeconfig", () => {
  let c: CliHarness;
  before(async () => {
    c = await startCli();
  });
  after(() => c.close());

  test("prints a kubeconfig for the caller's team: TLS on the same port, the CA from .plinth/tls.crt, token, first namespace", async () => {
    fs.mkdirSync(path.join(c.dir, ".plinth"));
    fs.writeFileSync(path.join(c.dir, ".plinth", "tls.crt"), "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    const r = await c.run(["kubeconfig"], { token: "token-team-a" });
    assert.equal(r.code, 0, r.stderr);
    const kc = YAML.parse(r.stdout);
    assert.equal(kc.clusters[0].cluster.server, c.server.url.replace("http://", "https://"));
    assert.match(Buffer.from(kc.clusters[0].cluster["certificate-authority-data"], "base64").toString(), /BEGIN CERTIFICATE/);
    assert.equal(kc.users[0].user.token, "token-team-a");
    assert.equal(kc.users[0].name, "plinth-team-a");
    assert.equal(kc.contexts[0].context.namespace, "team-a");
    const ns = await c.run(["kubeconfig", "-n", "other"], { token: "token-admin" });
    assert.equal(YAML.parse(ns.stdout).contexts[0].context.namespace, "other");
  });

  test("a bad token is refused with the API's Unauthorized status", async () => {
    const r = await c.run(["kubeconfig"], { token: "nope" });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Unauthorized/);
  });
});
