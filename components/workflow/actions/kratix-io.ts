import * as fs from "node:fs/promises";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { PlinthError } from "../../errors";

/** Where a selector sends files: all of `output/` or only `output/<directory>/`. */
export interface DestinationSelector {
  directory?: string;
  matchLabels: Record<string, string>;
}

/** `metadata/workflow-control.yaml` (Kratix): ask to re-run later, or to suspend. */
export interface WorkflowControl {
  retryAfter?: string;
  /** `retryAfter` in milliseconds. */
  retryAfterMs?: number;
  suspend?: boolean;
  message?: string;
}

/** Parses a Go duration such as `90s`, `5m`, `1h30m`, `250ms` into milliseconds. */
export function parseGoDuration(text: string): number | undefined {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const s = text.trim();
  if (s === "0") return 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * units[m[2]];
    matched = re.lastIndex;
  }
  return matched === s.length && matched > 0 ? Math.round(total) : undefined;
}

function invalid(step: string, file: string, why: string): PlinthError {
  return new PlinthError("CommandStepOutputInvalid", `command step ${step}: ${file} ${why}`, { step, file });
}

/**
 * Reads every regular file under `dir` (recursively) as UTF-8, keyed by its path relative to `dir`
 * with `/` separators. Refuses symlinks and other special files (they could expose host files), and
 * refuses the lot when the total size passes `maxBytes` before reading any content.
 */
export async function readOutputDir(dir: string, step: string, maxBytes: number): Promise<Record<string, string>> {
  const found: { rel: string; abs: string; size: number }[] = [];
  let total = 0;
  async function walk(abs: string, rel: string): Promise<void> {
    for (const entry of (await fs.readdir(abs, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const a = path.join(abs, entry.name);
      const r = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(a, r);
      else if (entry.isFile()) {
        const { size } = await fs.lstat(a);
        total += size;
        if (total > maxBytes) {
          throw new PlinthError(
            "CommandStepOutputTooLarge",
            `command step ${step}: output/ holds more than ${maxBytes} bytes (at output/${r}); write less or raise maxOutputBytes`,
            { step, maxBytes, file: `output/${r}` },
          );
        }
        found.push({ rel: r, abs: a, size });
      } else throw invalid(step, `output/${r}`, "is not a regular file (symlinks and devices are refused)");
    }
  }
  await walk(dir, "");
  const files: Record<string, string> = {};
  for (const f of found) files[f.rel] = await fs.readFile(f.abs, "utf8");
  return files;
}

/** Reads and parses a YAML metadata file; undefined when it does not exist or is empty. */
async function readYaml(dir: string, name: string, step: string, maxBytes: number): Promise<unknown> {
  const file = path.join(dir, name);
  let st;
  try {
    st = await fs.lstat(file);
  } catch {
    return undefined;
  }
  if (!st.isFile()) throw invalid(step, `metadata/${name}`, "is not a regular file");
  if (st.size > maxBytes) throw new PlinthError("CommandStepOutputTooLarge", `command step ${step}: metadata/${name} is larger than ${maxBytes} bytes`, { step, maxBytes, file: `metadata/${name}` });
  const text = await fs.readFile(file, "utf8");
  try {
    return parseYaml(text) ?? undefined;
  } catch (err) {
    throw invalid(step, `metadata/${name}`, `is not valid YAML: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);

/** Reads `metadata/status.yaml`, `destination-selectors.yaml` and `workflow-control.yaml`, checking their shapes. */
export async function readMetadataDir(dir: string, step: string, maxBytes: number): Promise<{ status: Record<string, unknown>; destinationSelectors: DestinationSelector[]; workflowControl: WorkflowControl }> {
  const status = (await readYaml(dir, "status.yaml", step, maxBytes)) ?? {};
  if (!isObject(status)) throw invalid(step, "metadata/status.yaml", "must be a YAML mapping of status fields");

  const rawSel = (await readYaml(dir, "destination-selectors.yaml", step, maxBytes)) ?? [];
  if (!Array.isArray(rawSel)) throw invalid(step, "metadata/destination-selectors.yaml", "must be a YAML list of {directory?, matchLabels}");
  const destinationSelectors = rawSel.map((s, i): DestinationSelector => {
    const where = `metadata/destination-selectors.yaml [${i}]`;
    if (!isObject(s) || !isObject(s.matchLabels)) throw invalid(step, where, "must have matchLabels: a mapping of label → value");
    const matchLabels: Record<string, string> = {};
    for (const [k, v] of Object.entries(s.matchLabels)) {
      if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") throw invalid(step, `${where}.matchLabels.${k}`, "must be a string");
      matchLabels[k] = String(v);
    }
    if (s.directory === undefined || s.directory === null) return { matchLabels };
    const d = s.directory;
    if (typeof d !== "string" || d === "" || d.startsWith("/") || d.split("/").some((p) => p === ".." || p === "."))
      throw invalid(step, `${where}.directory`, "must be a relative directory inside output/ without . or .. parts");
    return { directory: d.replace(/\/+$/, ""), matchLabels };
  });

  const rawCtl = (await readYaml(dir, "workflow-control.yaml", step, maxBytes)) ?? {};
  if (!isObject(rawCtl)) throw invalid(step, "metadata/workflow-control.yaml", "must be a YAML mapping {retryAfter?, suspend?, message?}");
  const workflowControl: WorkflowControl = {};
  if (rawCtl.retryAfter !== undefined) {
    const ms = typeof rawCtl.retryAfter === "string" ? parseGoDuration(rawCtl.retryAfter) : undefined;
    if (ms === undefined) throw invalid(step, "metadata/workflow-control.yaml retryAfter", "must be a duration such as 30s, 5m or 1h");
    workflowControl.retryAfter = rawCtl.retryAfter as string;
    workflowControl.retryAfterMs = ms;
  }
  if (rawCtl.suspend !== undefined) {
    if (typeof rawCtl.suspend !== "boolean") throw invalid(step, "metadata/workflow-control.yaml suspend", "must be true or false");
    workflowControl.suspend = rawCtl.suspend;
  }
  if (rawCtl.message !== undefined) workflowControl.message = String(rawCtl.message);
  return { status, destinationSelectors, workflowControl };
}
