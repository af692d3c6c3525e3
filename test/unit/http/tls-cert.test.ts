import { test } from "node:test";
import assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as tls from "node:tls";
import { selfSignedCert } from "../../../service/http/tls-cert";

// A random serial whose first byte came out 0x00 was a non-minimal DER INTEGER: OpenSSL refused about 1 in
// 270 certificates ("asn1 encoding routines::illegal padding") and the platform failed to start.
test("every self-signed serving certificate is valid DER that TLS accepts", () => {
  for (let i = 0; i < 1500; i++) {
    const c = selfSignedCert();
    assert.doesNotThrow(() => tls.createSecureContext({ key: c.key, cert: c.cert }), `certificate ${i}`);
    const x = new crypto.X509Certificate(c.cert);
    assert.ok(x.checkPrivateKey(crypto.createPrivateKey(c.key)));
  }
});
