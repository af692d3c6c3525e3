import { invalidPath } from "./errors";

/**
 * Why a single path segment is unsafe, or undefined when it is a plain name. A safe segment can never
 * climb out of its parent or touch git's own metadata: no "", ".", "..", ".git" (any case), no "/" or
 * "\\", no NUL or other control characters.
 */
export function segmentProblem(segment: string): string | undefined {
  if (segment.length === 0) return "has an empty segment";
  if (segment === "." || segment === "..") return `has a "${segment}" segment`;
  if (segment.toLowerCase() === ".git") return 'has a ".git" segment';
  if (segment.includes("\\")) return "contains a backslash";
  // eslint-disable-next-line no-control-regex -- control characters are what it looks for
  if (/[\u0000-\u001f\u007f]/.test(segment)) return "contains a control character";
  if (segment.length > 255) return "has a segment longer than 255 characters";
  return undefined;
}

/**
 * Splits a relative store path into its segments, throwing a ValidationError naming `field` and the path
 * when it is absolute or has an unsafe segment. `allowEmpty` accepts "" (the root) as no segments.
 */
export function splitSafePath(field: string, path: string, allowEmpty = false): string[] {
  if (typeof path !== "string") throw invalidPath(field, String(path), "must be a string");
  if (path === "") {
    if (allowEmpty) return [];
    throw invalidPath(field, path, "must not be empty");
  }
  if (path.startsWith("/")) throw invalidPath(field, path, "must be relative, not absolute");
  if (/^[A-Za-z]:/.test(path)) throw invalidPath(field, path, "must be relative, not a drive path");
  const segments = path.split("/");
  for (const s of segments) {
    const problem = segmentProblem(s);
    if (problem) throw invalidPath(field, path, problem);
  }
  return segments;
}

/** Joins segment lists into a store path. */
export function joinSegments(...parts: string[][]): string {
  return parts.flat().join("/");
}
