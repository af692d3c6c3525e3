/**
 * Names Plinth accepts: DNS-1123 labels and Kubernetes label keys and values. Part of the shared
 * vocabulary (ARCHITECTURE.md): imports nothing of the repository, so every folder may use it.
 */

/** One failed check of an input: `path` is the field path, e.g. ["spec", "size"]. */
export interface FieldIssue {
  path: (string | number)[];
  message: string;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** True when `s` is a DNS-1123 label: 1–63 chars of a-z, 0-9 and "-", starting and ending alphanumeric. */
export function isDns1123Label(s: unknown): s is string {
  return typeof s === "string" && s.length <= 63 && DNS1123_LABEL.test(s);
}

const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** Kubernetes label key/value syntax (name part ≤ 63, value ≤ 63). */
export function labelIssues(labels: unknown, path: (string | number)[]): FieldIssue[] {
  if (typeof labels !== "object" || labels === null || Array.isArray(labels)) {
    return [{ path, message: "must be a map of label key to string value" }];
  }
  const issues: FieldIssue[] = [];
  for (const [k, v] of Object.entries(labels)) {
    const name = k.includes("/") ? k.slice(k.indexOf("/") + 1) : k;
    if (!LABEL_KEY.test(k) || name.length > 63) issues.push({ path: [...path, k], message: `"${k}" is not a valid label key` });
    else if (typeof v !== "string" || v.length > 63 || !LABEL_VALUE.test(v)) {
      issues.push({ path: [...path, k], message: "must be a label value: ≤ 63 alphanumerics, '-', '_' or '.', starting and ending alphanumeric" });
    }
  }
  return issues;
}
