/** `plinth ui`: a one-time sign-in link to the web portal for your team, printed and opened in a browser. */
import type { Command } from "./types";

export const uiCommand: Command = {
  name: "ui",
  summary: "print (and open) a one-time sign-in link to the web portal",
  usage: "ui [--print]",
  options: { print: { type: "boolean", description: "only print the link, do not try to open a browser" } },
  async run({ flags, io, client }) {
    const { body } = await client.request<{ url: string; team: string; expiresAt: string }>("POST", "/v1/session/links");
    io.stdout(`Sign in to the Plinth portal as team ${body.team} (one use, until ${body.expiresAt}):\n  ${body.url}\n`);
    if (!flags.print) io.openUrl?.(body.url);
    return 0;
  },
};
