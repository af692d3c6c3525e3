import { describe, test, after, before } from "node:test";
import assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { createTransitHandler, decryptTransit, encryptTransit } from "../../../stacks/local-platform/transit";

describe("transit key service (Vault transit API shape)", () => {
  const key = crypto.randomBytes(32);
  let server: http.Server;
  let base: string;
  before(async () => {
    const h = createTransitHandler({ key, token: "t0ken-for-tests", prefix: "/vault" });
    server = http.createServer((req, res) => void h(req, res).then((ok) => ok || (res.writeHead(404), res.end())));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/vault/v1/transit`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  test("encrypt then decrypt round-trips; ciphertexts differ each time; a wrong key name fails", () => {
    const a = encryptTransit(key, "plinth", Buffer.from("data key"));
    const b = encryptTransit(key, "plinth", Buffer.from("data key"));
    assert.match(a, /^vault:v1:/);
    assert.notEqual(a, b);
    assert.equal(decryptTransit(key, "plinth", a).toString(), "data key");
    assert.throws(() => decryptTransit(key, "other", a));
    assert.throws(() => decryptTransit(crypto.randomBytes(32), "plinth", a));
  });

  test("over HTTP with the token; without it 403", async () => {
    const post = (p: string, body: unknown, token = "t0ken-for-tests") =>
      fetch(`${base}/${p}`, { method: "POST", headers: { "x-vault-token": token, "content-type": "application/json" }, body: JSON.stringify(body) });
    const enc = (await (await post("encrypt/plinth", { plaintext: Buffer.from("k3y").toString("base64") })).json()) as { data: { ciphertext: string } };
    const dec = (await (await post("decrypt/plinth", { ciphertext: enc.data.ciphertext })).json()) as { data: { plaintext: string } };
    assert.equal(Buffer.from(dec.data.plaintext, "base64").toString(), "k3y");
    assert.equal((await post("encrypt/plinth", { plaintext: "" }, "wrong-token-xxxx")).status, 403);
    assert.equal((await post("decrypt/plinth", { ciphertext: "garbage" })).status, 400);
  });
});
