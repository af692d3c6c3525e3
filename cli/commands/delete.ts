/**
 * `plinth delete <kind> <name>`: queues the delete; `-w` waits until the request is gone. `--force` skips
 * the Promise's delete workflow (also for a request whose delete workflow keeps failing), with a warning.
 */
import { requestPath } from "../client";
import { watchRequest } from "../watch";
import { NAMESPACE, WATCH, namespaceOf, positionals, timeoutMs } from "./options";
import type { Command } from "./types";

export const deleteCommand: Command = {
  name: "delete",
  summary: "delete a request (its files are removed from the State Store)",
  usage: "delete <kind> <name> [-n ns] [-w] [--force]",
  options: { ...NAMESPACE, ...WATCH, force: { type: "boolean", description: "skip the delete workflow (what it would clean up is left as it is)" } },
  async run({ args, flags, io, client }) {
    const [kind, name] = positionals(args, ["kind", "name"], deleteCommand.usage);
    const key = { namespace: namespaceOf(flags), kind, name };
    const { body } = await client.request<{ namespace: string; kind: string; name: string }>("DELETE", requestPath(key) + (flags.force ? "?force=true" : ""));
    if (flags.force) io.stderr(`warning: --force skips the delete workflow of ${body.kind} ${body.namespace}/${body.name}\n`);
    io.stdout(`${body.kind} ${body.namespace}/${body.name} deletion queued\n`);
    if (!flags.watch) return 0;
    await watchRequest(client, body, io, { until: "deleted", timeoutMs: timeoutMs(flags) });
    io.stdout(`${body.kind} ${body.namespace}/${body.name} deleted\n`);
    return 0;
  },
};
