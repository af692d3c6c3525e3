/** `plinth preview -f <file>`: what applying would write (files with diffs) and run; changes nothing. */
import type { PreviewResult } from "../../service/core/types";
import { formatPreview, outputFormat, render } from "../format";
import { readManifests } from "../manifests";
import { FILENAME, OUTPUT } from "./options";
import type { Command } from "./types";

export const preview: Command = {
  name: "preview",
  summary: "show the files and actions applying a file would produce",
  usage: "preview -f <file|-> [-o json|yaml]",
  options: { ...FILENAME, ...OUTPUT },
  async run({ flags, io, client }) {
    const format = outputFormat(flags.output);
    const results: PreviewResult[] = [];
    for (const m of await readManifests(flags.filename as string | undefined, io)) {
      results.push((await client.request<PreviewResult>("POST", "/v1/requests?dryRun=true", m)).body);
    }
    if (format !== "table") io.stdout(await render(results.length === 1 ? results[0] : { items: results }, format));
    else io.stdout(results.map(formatPreview).join("\n"));
    return 0;
  },
};
