/** Serialising step output files and keeping their paths inside the output directory. */
import * as YAML from "yaml";
import type { FileContent } from "./types";

const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/**
 * True for a relative path of plain segments (`a/b.yaml`): no leading `/`, no `.`/`..`, no empty
 * segments, no backslashes, so it cannot escape the directory it is written to.
 */
export function isSafeRelativePath(p: string): boolean {
  if (typeof p !== "string" || p.length === 0 || p.length > 1024) return false;
  return p.split("/").every((s) => SEGMENT.test(s) && s !== "." && s !== "..");
}

/** A string verbatim; an object as one YAML document; an array as a multi-document YAML stream. */
export function serialiseFile(content: Exclude<FileContent, null>): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((doc) => YAML.stringify(doc)).join("---\n");
  return YAML.stringify(content);
}
