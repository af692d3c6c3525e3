/** What a redacted secret is replaced with. */
export const REDACTED = "[REDACTED]";

/**
 * Replaces every occurrence of each secret in `text` (also its URL-encoded and JSON-escaped forms) by
 * `[REDACTED]`. Longer secrets are replaced first so a secret containing another is removed whole.
 * Empty and missing values are ignored.
 */
export function redact(text: string, secrets: readonly (string | undefined | null)[]): string {
  const forms = new Set<string>();
  for (const s of secrets) {
    if (typeof s !== "string" || s.length === 0) continue;
    forms.add(s);
    forms.add(encodeURIComponent(s));
    forms.add(JSON.stringify(s).slice(1, -1));
  }
  let out = text;
  for (const f of [...forms].sort((a, b) => b.length - a.length)) {
    if (f.length === 0) continue;
    out = out.split(f).join(REDACTED);
  }
  return out;
}

/** Redacts every string inside a JSON-like value (for error details). */
export function redactDeep<T>(value: T, secrets: readonly (string | undefined | null)[]): T {
  if (typeof value === "string") return redact(value, secrets) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, secrets)) as T;
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = redactDeep(v, secrets);
    return out as T;
  }
  return value;
}

/** A logger that redacts `secrets` from every message before passing it on. */
export function redactingLog(log: (msg: string) => void, secrets: readonly (string | undefined | null)[]): (msg: string) => void {
  return (msg) => log(redact(msg, secrets));
}
