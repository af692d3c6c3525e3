/** `plinth delete <kind> <name>`: queues the delete; `-w` waits until the request is gone. */
import { requestPath } from "../client";
import { watchRequest } from "../watch";
import { NAMESPACE, WATCH, namespaceOf, positionals, timeoutMs } from "./options";
import type { Command } from "./types";

export const deleteCommand: Command = {
  name: "delete",
  summary: "delete a request (its files are removed from the State Store)",
  usage: "delete <kind> <name> [-n ns] [-w]",
  options: { ...NAMESPACE, ...WATCH },
  async run({ args, flags, io, client }) {
    const [kind, name] = positionals(args, ["kind", "name"], deleteCommand.usage);
    const key = { namespace: namespaceOf(flags), kind, name };
    const { body } = await client.request<{ namespace: string; kind: string; name: string }>("DELETE", requestPath(key));
    io.stdout(`${body.kind} ${body.namespace}/${body.name} deletion queued\n`);
    if (!flags.watch) return 0;
    await watchRequest(client, body, io, { until: "deleted", timeoutMs: timeoutMs(flags) });
    io.stdout(`${body.kind} ${body.namespace}/${body.name} deleted\n`);
    return 0;
  },
};
