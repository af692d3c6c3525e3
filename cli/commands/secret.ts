/**
 * `plinth secret <kind> <name> [-n ns] [--key k]`: a request's Secrets, decrypted by the service with each
 * destination's age key (README "Secrets"). Platform-admin tokens only; the values go to stdout and
 * nowhere else (no log, no file).
 */
import { BadRequestError } from "../../components/errors";
import type { RequestSecret } from "../../service/core/secret-read";
import { requestPath } from "../client";
import { outputFormat, render } from "../format";
import { NAMESPACE, OUTPUT, namespaceOf, positionals } from "./options";
import type { Command } from "./types";

export const secretCommand: Command = {
  name: "secret",
  summary: "read a request's Secrets, decrypted (platform-admin only)",
  usage: "secret <kind> <name> [-n ns] [--key key] [-o json|yaml]",
  options: { ...NAMESPACE, ...OUTPUT, key: { type: "string", description: "print only this key's value" } },
  async run({ args, flags, io, client }) {
    const [kind, name] = positionals(args, ["kind", "name"], secretCommand.usage);
    const format = outputFormat(flags.output);
    const { body } = await client.request<{ items: RequestSecret[] }>("GET", `${requestPath({ namespace: namespaceOf(flags), kind, name })}/secrets`);
    const key = typeof flags.key === "string" ? flags.key : undefined;
    if (key !== undefined) {
      const hits = body.items.filter((s) => key in s.data);
      if (hits.length !== 1) {
        const known = [...new Set(body.items.flatMap((s) => Object.keys(s.data)))].join(", ") || "none";
        throw new BadRequestError(`${hits.length ? "several Secrets have" : "no Secret has"} key "${key}" (keys: ${known})`, undefined, "Usage");
      }
      io.stdout(`${hits[0].data[key]}\n`);
      return 0;
    }
    if (format !== "table") io.stdout(await render(body, format));
    else if (body.items.length === 0) io.stderr("The request has no Secrets.\n");
    else for (const s of body.items) io.stdout(`# Secret ${s.namespace ? `${s.namespace}/` : ""}${s.name} (${s.destination}: ${s.path}${s.encrypted ? "" : ", plaintext in Git"})\n${Object.entries(s.data).map(([k, v]) => `${k}=${v}\n`).join("")}`);
    return 0;
  },
};
