/**
 * The AgeKey resource: create generates an X25519 age key pair (the identity returned as a Pulumi
 * secret); nothing else changes it — a new `rotation` replaces it with a fresh pair.
 */
import { generateAgeKey, isAgeIdentity } from "../../components/state-store/sops";
import type { ResourceHandler } from "./types";

const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const secret = (value: unknown): Record<string, unknown> => ({ [SECRET_SIG_KEY]: SECRET_SIG, value });

export function ageKeyHandler(): ResourceHandler {
  return {
    check(news) {
      const failures: { path: string; reason: string }[] = [];
      if (typeof news.destination !== "string" || !news.destination) failures.push({ path: "destination", reason: "destination must name the key's destination" });
      if (news.rotation !== undefined && news.rotation !== null && !Number.isInteger(news.rotation)) failures.push({ path: "rotation", reason: "rotation must be an integer" });
      return failures;
    },
    diff(olds, news) {
      const replaces = ["destination", "rotation"].filter((k) => (olds[k] ?? 0) !== (news[k] ?? 0));
      return { changes: replaces.length > 0, replaces, deleteBeforeReplace: false };
    },
    async create(inputs) {
      const key = await generateAgeKey();
      return { id: key.recipient, outs: { destination: inputs.destination, rotation: inputs.rotation ?? 0, recipient: key.recipient, identity: secret(key.identity) } };
    },
    async update(_id, olds, news) {
      // Only a replace changes the key (see diff); keep the pair.
      return { outs: { ...olds, destination: news.destination, rotation: news.rotation ?? 0, identity: secret(olds.identity) } };
    },
    async read(id, props) {
      if (!isAgeIdentity(props.identity)) throw new Error(`age key ${id} lost its identity in the stack state`);
      return { id, props: { ...props, identity: secret(props.identity) } };
    },
    async delete() {
      /* the key only lives in the stack state (and the cluster's sops-age Secret, deleted with it) */
    },
  };
}
