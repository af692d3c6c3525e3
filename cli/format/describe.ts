/** A request in full, kubectl-describe style: metadata, spec, conditions, destinations, files, outputs. */
import type { RequestObject, StepLogs } from "../../service/core/types";
import { formatAge } from "./age";
import { table } from "./table";

function indent(text: string, by = "  "): string {
  return text
    .trimEnd()
    .split("\n")
    .map((l) => by + l)
    .join("\n");
}

function block(title: string, body: string | undefined): string {
  return `${title}:\n${body && body.trim() ? indent(body) : "  <none>"}`;
}

/** The last `lines` lines of the step logs, each with its step. */
function logTail(logs: StepLogs, lines = 20): string {
  const all = logs.entries.flatMap((e) => e.text.replace(/\n$/, "").split("\n").map((l) => `[${e.step}] ${l}`));
  const head = all.length > lines ? [`(last ${lines} of ${all.length} lines; \`plinth logs\` shows all)`] : [];
  return [...head, ...all.slice(-lines)].join("\n");
}

export async function describeRequest(o: RequestObject, now: number, logs?: StepLogs): Promise<string> {
  const YAML = await import("yaml"); // loaded on use: see ./output
  const s = o.status ?? { conditions: [], destinations: [], files: [], outputs: {}, observedGeneration: 0, message: "" };
  const md = o.metadata;
  const head = [
    ["Name", md.name],
    ["Namespace", md.namespace],
    ["Kind", o.kind],
    ["API Version", o.apiVersion],
    ["Generation", `${md.generation} (observed ${s.observedGeneration ?? 0})`],
    ["Created", `${md.creationTimestamp} (${formatAge(md.creationTimestamp, now)} ago)`],
    ...(md.deletionTimestamp ? [["Deleting since", md.deletionTimestamp]] : []),
    ...(s.promiseVersion ? [["Promise Version", s.promiseVersion]] : []),
    ["Message", s.message || "-"],
  ];
  const width = Math.max(...head.map(([k]) => k.length)) + 2;
  const parts = [head.map(([k, v]) => `${(k + ":").padEnd(width)}${v}`).join("\n")];
  if (md.labels && Object.keys(md.labels).length) parts.push(block("Labels", Object.entries(md.labels).map(([k, v]) => `${k}=${v}`).join("\n")));
  parts.push(block("Spec", YAML.stringify(o.spec ?? {})));
  parts.push(
    block(
      "Conditions",
      s.conditions?.length
        ? table(["TYPE", "STATUS", "REASON", "AGE", "MESSAGE"], s.conditions.map((c) => [c.type, c.status, c.reason, formatAge(c.lastTransitionTime, now), c.message]))
        : undefined,
    ),
  );
  parts.push(block("Destinations", s.destinations?.join("\n")));
  parts.push(block("Files", s.files?.length ? table(["DESTINATION", "PATH", "COMMIT"], s.files.map((f) => [f.destination, f.path, f.commit.slice(0, 12)])) : undefined));
  parts.push(block("Outputs", s.outputs && Object.keys(s.outputs).length ? YAML.stringify(s.outputs) : undefined));
  if (s.nextRunTime) parts.push(block("Next Run", s.nextRunTime));
  if (s.history?.length) {
    parts.push(block("History", table(["TYPE", "REASON", "AGE", "MESSAGE"], s.history.map((h) => [h.type, h.reason, formatAge(h.time, now), h.message]))));
  }
  if (logs) parts.push(block(`Step Logs${logs.generation !== undefined ? ` (generation ${logs.generation})` : ""}`, logs.entries.length ? logTail(logs) : undefined));
  if (s.children?.length) {
    parts.push(block("Children", table(["NAMESPACE", "KIND", "NAME", "READY"], s.children.map((c) => [c.namespace, c.kind, c.name, String(c.ready)]))));
  }
  return parts.join("\n") + "\n";
}
