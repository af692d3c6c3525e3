/** `plinth get [kind] [name]`: a table of requests, or one request; `-w` follows one to Ready. */
import { BadRequestError } from "../../components/errors";
import type { RequestObject } from "../../service/core/types";
import { requestPath } from "../client";
import { outputFormat, render, requestTable } from "../format";
import { watchRequest } from "../watch";
import { EXIT_STALLED, NAMESPACE, OUTPUT, WATCH, namespaceOf, timeoutMs } from "./options";
import type { Command } from "./types";

export const get: Command = {
  name: "get",
  summary: "list requests, or show one",
  usage: "get [kind] [name] [-n ns] [-o json|yaml] [-w]",
  options: { ...NAMESPACE, ...OUTPUT, ...WATCH },
  async run({ args, flags, io, client }) {
    const format = outputFormat(flags.output);
    const [kind, name, extra] = args;
    if (extra !== undefined) throw new BadRequestError(`too many arguments; usage: plinth ${get.usage}`, undefined, "Usage");
    if (name === undefined) {
      if (flags.watch) throw new BadRequestError("--watch needs a kind and a name: plinth get <kind> <name> -w", undefined, "Usage");
      const q = new URLSearchParams();
      if (typeof flags.namespace === "string") q.set("namespace", flags.namespace);
      if (kind) q.set("kind", kind);
      const qs = q.toString();
      const { body } = await client.request<{ items: RequestObject[] }>("GET", "/v1/requests" + (qs ? `?${qs}` : ""));
      if (format !== "table") io.stdout(await render(body, format));
      else if (body.items.length === 0) io.stderr("No requests found.\n");
      else io.stdout(requestTable(body.items, io.now()));
      return 0;
    }
    const key = { namespace: namespaceOf(flags), kind, name };
    const { body } = await client.request<RequestObject>("GET", requestPath(key));
    io.stdout(format === "table" ? requestTable([body], io.now()) : await render(body, format));
    if (!flags.watch) return 0;
    const outcome = await watchRequest(client, key, io, { until: "ready", minGeneration: body.metadata.generation, timeoutMs: timeoutMs(flags) });
    const { body: now } = outcome === "deleted" ? { body: undefined } : await client.request<RequestObject>("GET", requestPath(key));
    if (now) io.stdout(format === "table" ? requestTable([now], io.now()) : await render(now, format));
    else io.stdout(`${kind} ${key.namespace}/${name} deleted\n`);
    return outcome === "ready" || outcome === "suspended" ? 0 : EXIT_STALLED;
  },
};
