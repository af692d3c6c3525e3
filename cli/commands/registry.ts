/** `plinth promises` and `plinth destinations`: what the platform offers and where work can go. */
import type { RegistryEntry } from "../../components/promise/types";
import type { ResolvedDestination } from "../../components/vocabulary/destination";
import type { MarketplaceItem } from "../../service/core/types";
import { outputFormat, render, table } from "../format";
import { OUTPUT } from "./options";
import type { Command } from "./types";

export const promises: Command = {
  name: "promises",
  summary: "list the installed Promises",
  usage: "promises [-o json|yaml]",
  options: { ...OUTPUT },
  async run({ flags, io, client }) {
    const format = outputFormat(flags.output);
    const { body } = await client.request<{ items: RegistryEntry[] }>("GET", "/v1/promises");
    if (format !== "table") io.stdout(await render(body, format));
    else io.stdout(table(["NAME", "VERSION", "KIND", "API VERSION", "DESTINATIONS"], body.items.map((p) => [p.name, p.version, p.kind, p.apiVersion, p.destinations.join(",") || "-"])));
    return 0;
  },
};

export const destinations: Command = {
  name: "destinations",
  summary: "list the Destinations",
  usage: "destinations [-o json|yaml]",
  options: { ...OUTPUT },
  async run({ flags, io, client }) {
    const format = outputFormat(flags.output);
    const { body } = await client.request<{ items: ResolvedDestination[] }>("GET", "/v1/destinations");
    const labels = (l: Record<string, string>) => Object.entries(l).map(([k, v]) => `${k}=${v}`).join(",") || "-";
    if (format !== "table") io.stdout(await render(body, format));
    else io.stdout(table(["NAME", "LABELS", "PATH", "STATE STORE", "STRICT"], body.items.map((d) => [d.name, labels(d.labels), d.path, d.stateStore, String(d.strictMatchLabels)])));
    return 0;
  },
};

export const marketplace: Command = {
  name: "marketplace",
  summary: "list the Marketplace: every Promise Plinth ships, installed or not",
  usage: "marketplace [-o json|yaml]",
  options: { ...OUTPUT },
  async run({ flags, io, client }) {
    const format = outputFormat(flags.output);
    const { body } = await client.request<{ items: MarketplaceItem[] }>("GET", "/v1/marketplace");
    if (format !== "table") io.stdout(await render(body, format));
    else
      io.stdout(
        table(
          ["NAME", "VERSION", "CATEGORY", "KIND", "INSTALLED", "DESCRIPTION"],
          body.items.map((p) => [p.name, p.version, p.category, `${p.apiVersion} ${p.kind}`, p.installed ? `yes (${p.installedVersion})` : "no", p.description]),
        ),
      );
    return 0;
  },
};
