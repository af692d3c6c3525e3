/**
 * Sensitive spec fields on disk (components/promise/sensitive.ts): a request's object is its stack's
 * config (store.ts); each sensitive value is kept there sealed — AES-256-GCM under a key derived from the
 * workspace's secrets passphrase, bound to the request's uid and field path — never in plaintext.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { PlinthError } from "../../components/errors";
import { mapSensitive } from "../../components/promise/sensitive";
import type { AnyPromise } from "../../components/promise/types";
import type { RequestObject } from "./types";

const PREFIX = "plinth-sealed:v1:";

export interface SpecCodec {
  seal(promise: string, object: Omit<RequestObject, "status">): Omit<RequestObject, "status">;
  unseal(promise: string, object: Omit<RequestObject, "status">): Omit<RequestObject, "status">;
}

function keyOf(passphrase: string): Buffer {
  return Buffer.from(hkdfSync("sha256", passphrase, "plinth-requests", "sealed-spec", 32));
}

export function sealedSpecCodec(passphrase: string, promiseOf: (name: string) => AnyPromise | undefined): SpecCodec {
  const key = keyOf(passphrase);
  const aad = (o: Omit<RequestObject, "status">, path: string[]) => Buffer.from(`${o.metadata.uid ?? ""}:${path.join(".")}`);
  return {
    seal(promise, object) {
      const p = promiseOf(promise);
      if (!p) return object;
      const spec = mapSensitive(p, object.spec, (v, path) => {
        if (typeof v === "string" && v.startsWith(PREFIX)) return v;
        if (!passphrase) throw new PlinthError("SealKeyMissing", "the request workspace has no secrets passphrase to seal sensitive spec fields with; set PULUMI_CONFIG_PASSPHRASE for the platform", undefined, 500);
        const iv = randomBytes(12);
        const c = createCipheriv("aes-256-gcm", key, iv);
        c.setAAD(aad(object, path));
        const ct = Buffer.concat([c.update(JSON.stringify(v), "utf8"), c.final()]);
        return `${PREFIX}${Buffer.concat([iv, c.getAuthTag(), ct]).toString("base64")}`;
      });
      return { ...object, spec: spec as RequestObject["spec"] };
    },
    unseal(promise, object) {
      const p = promiseOf(promise);
      if (!p) return object;
      const spec = mapSensitive(p, object.spec, (v, path) => {
        if (typeof v !== "string" || !v.startsWith(PREFIX)) return v;
        const raw = Buffer.from(v.slice(PREFIX.length), "base64");
        const d = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
        d.setAAD(aad(object, path));
        d.setAuthTag(raw.subarray(12, 28));
        return JSON.parse(Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString("utf8")) as unknown;
      });
      return { ...object, spec: spec as RequestObject["spec"] };
    },
  };
}
