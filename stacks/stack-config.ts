/** The `plinth:*` values of a stack settings file (e.g. Pulumi.local.yaml), keyed without the namespace. */
import * as fs from "node:fs";
import YAML from "yaml";

export function readStackConfig(file: string): Record<string, unknown> {
  const doc = (YAML.parse(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  const raw: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc.config ?? {})) if (k.startsWith("plinth:")) raw[k.slice("plinth:".length)] = v;
  return raw;
}
