/** `plinth apply -f <file|->`: creates or updates each object (PUT = upsert); `-w` follows each to Ready. */
import { BadRequestError } from "../../components/errors";
import type { ApplyResult } from "../../service/core/types";
import { requestPath } from "../client";
import { manifestKey, readManifests } from "../manifests";
import { watchRequest } from "../watch";
import { EXIT_STALLED, FILENAME, NAMESPACE, WATCH, timeoutMs } from "./options";
import type { Command } from "./types";

export const apply: Command = {
  name: "apply",
  summary: "create or update requests from a YAML/JSON file (multi-document)",
  usage: "apply -f <file|-> [-n ns] [-w]",
  options: { ...FILENAME, ...NAMESPACE, ...WATCH },
  async run({ flags, io, client }) {
    const manifests = await readManifests(flags.filename as string | undefined, io);
    const fallbackNs = typeof flags.namespace === "string" ? flags.namespace : "default";
    const results: ApplyResult[] = [];
    for (const [i, m] of manifests.entries()) {
      const key = manifestKey(m, fallbackNs);
      let result: ApplyResult;
      if (key) {
        if (typeof flags.namespace === "string" && key.namespace !== flags.namespace) {
          throw new BadRequestError(`document ${i + 1}: metadata.namespace is "${key.namespace}" but -n says "${flags.namespace}"; drop one of them`, undefined, "Usage");
        }
        const body = { ...m, metadata: { ...m.metadata, namespace: key.namespace } };
        result = (await client.request<ApplyResult>("PUT", requestPath(key), body)).body;
      } else {
        // No kind or name: let the API create it (and name what is missing if it is invalid).
        result = (await client.request<ApplyResult>("POST", "/v1/requests", m)).body;
      }
      results.push(result);
      io.stdout(`${result.kind} ${result.namespace}/${result.name} ${result.created ? "created" : "configured"} (generation ${result.generation})\n`);
    }
    if (!flags.watch) return 0;
    let code = 0;
    for (const r of results) {
      io.stdout(`watching ${r.kind} ${r.namespace}/${r.name}\n`);
      const outcome = await watchRequest(client, r, io, { until: "ready", minGeneration: r.generation, timeoutMs: timeoutMs(flags) });
      io.stdout(`${r.kind} ${r.namespace}/${r.name} ${outcome}\n`);
      if (outcome !== "ready" && outcome !== "suspended") code = EXIT_STALLED;
    }
    return code;
  },
};
