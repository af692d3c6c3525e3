/** `-o json|yaml` rendering; anything else is a usage error. */
import { BadRequestError } from "../../components/errors";

export type OutputFormat = "table" | "json" | "yaml";

export function outputFormat(value: unknown): OutputFormat {
  if (value === undefined || value === "table" || value === "wide") return "table";
  if (value === "json" || value === "yaml") return value;
  throw new BadRequestError(`-o ${String(value)} is not supported: use -o json or -o yaml`, undefined, "Usage");
}

/** yaml (~250 KB) loads only when YAML is printed, so a table (`plinth get`) never pays for it. */
export async function render(data: unknown, format: "json" | "yaml"): Promise<string> {
  return format === "json" ? JSON.stringify(data, null, 2) + "\n" : (await import("yaml")).stringify(data);
}
