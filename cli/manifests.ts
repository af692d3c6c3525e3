/** Reading request objects from `-f <file>` or `-f -` (stdin): YAML (multi-document) or JSON. */
import { BadRequestError, PlinthError } from "../components/errors";
import type { CliIO } from "./io";

export type Manifest = Record<string, unknown> & { metadata?: Record<string, unknown> };

export async function readManifests(file: string | undefined, io: CliIO): Promise<Manifest[]> {
  if (!file) throw new BadRequestError("-f <file> is required (use -f - to read stdin)", undefined, "Usage");
  let text: string;
  try {
    text = file === "-" ? await io.readStdin() : await io.readFile(resolvePath(file, io.cwd));
  } catch (err) {
    throw new BadRequestError(`cannot read ${file}: ${(err as Error).message}`, undefined, "FileUnreadable");
  }
  try {
    // YAML is a superset of JSON: one parser handles both and names lines on errors.
    // Loaded on use: the parser pulls in yaml, which `plinth get` never needs.
    const { parseDocuments } = await import("../service/http/documents.js");
    return parseDocuments(text, "yaml") as Manifest[];
  } catch (err) {
    if (err instanceof PlinthError) throw new BadRequestError(`${file === "-" ? "stdin" : file}: ${err.message}`, err.details, err.code);
    throw err;
  }
}

function resolvePath(file: string, cwd: string): string {
  return file.startsWith("/") ? file : `${cwd.replace(/\/+$/, "")}/${file}`;
}

/** Namespace/kind/name of a manifest, or undefined when kind or name is missing. */
export function manifestKey(m: Manifest, defaultNamespace: string): { namespace: string; kind: string; name: string } | undefined {
  const md = m.metadata ?? {};
  if (typeof m.kind !== "string" || typeof md.name !== "string") return undefined;
  const namespace = typeof md.namespace === "string" ? md.namespace : defaultNamespace;
  return { namespace, kind: m.kind, name: md.name };
}
