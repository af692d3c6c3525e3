/** The command registry: adding a command is one file and one line here. */
import { apply } from "./apply";
import { deleteCommand } from "./delete";
import { describeCommand } from "./describe";
import { get } from "./get";
import { initPromiseCommand } from "./init-promise";
import { logsCommand } from "./logs";
import { kubeconfigCommand } from "./kubeconfig";
import { preview } from "./preview";
import { reconcileCommand } from "./reconcile";
import { secretCommand } from "./secret";
import { destinations, marketplace, promises } from "./registry";
import type { Command } from "./types";
import { uiCommand } from "./ui";

export type { Command, CommandContext, OptionSpec } from "./types";

export const commands: Command[] = [apply, get, describeCommand, logsCommand, deleteCommand, reconcileCommand, preview, promises, marketplace, destinations, kubeconfigCommand, initPromiseCommand, secretCommand, uiCommand];

export function findCommand(name: string): Command | undefined {
  return commands.find((c) => c.name === name);
}
