/**
 * The AgeKey resource: create generates an X25519 age key pair (the identity returned as a Pulumi
 * secret). A new `rotation` is an update that makes a fresh pair and keeps the old identity as
 * `previousIdentity` (the destination's SopsRekey re-encrypts Git to the new recipient; Flux holds both
 * until then). A new `destination` replaces the key.
 */
import { generateAgeKey, isAgeIdentity } from "../../components/state-store/sops";
import type { ResourceHandler } from "./types";

const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const secret = (value: unknown): Record<string, unknown> => ({ [SECRET_SIG_KEY]: SECRET_SIG, value });
const plain = (v: unknown): unknown => (v && typeof v === "object" && SECRET_SIG_KEY in (v as object) ? (v as { value: unknown }).value : v);

export function ageKeyHandler(): ResourceHandler {
  return {
    check(news) {
      const failures: { path: string; reason: string }[] = [];
      if (typeof news.destination !== "string" || !news.destination) failures.push({ path: "destination", reason: "destination must name the key's destination" });
      if (news.rotation !== undefined && news.rotation !== null && !(Number.isInteger(news.rotation) && (news.rotation as number) >= 0)) failures.push({ path: "rotation", reason: "rotation must be a whole number ≥ 0" });
      return failures;
    },
    diff(olds, news) {
      const replaces = olds.destination !== news.destination ? ["destination"] : [];
      return { changes: replaces.length > 0 || (olds.rotation ?? 0) !== (news.rotation ?? 0), replaces, deleteBeforeReplace: false };
    },
    async create(inputs) {
      const key = await generateAgeKey();
      return { id: key.recipient, outs: { destination: inputs.destination, rotation: inputs.rotation ?? 0, recipient: key.recipient, identity: secret(key.identity), previousIdentity: secret("") } };
    },
    async update(_id, olds, news) {
      const rotation = news.rotation ?? 0;
      if (rotation === (olds.rotation ?? 0)) return { outs: { ...olds, identity: secret(plain(olds.identity)), previousIdentity: secret(plain(olds.previousIdentity) ?? "") } };
      const key = await generateAgeKey();
      return { outs: { destination: news.destination, rotation, recipient: key.recipient, identity: secret(key.identity), previousIdentity: secret(plain(olds.identity)) } };
    },
    async read(id, props) {
      if (!isAgeIdentity(plain(props.identity))) throw new Error(`age key ${id} lost its identity in the stack state`);
      return { id, props: { ...props, identity: secret(plain(props.identity)), previousIdentity: secret(plain(props.previousIdentity) ?? "") } };
    },
    async delete() {
      /* the key only lives in the stack state (and the cluster's sops-age Secret, deleted with it) */
    },
  };
}
