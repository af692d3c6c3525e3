/** Which values of a workflow's inputs are secrets, so step logs never show them. */

/** Keys whose string values are credentials (at any depth): tokens, passwords, secrets, API keys. */
const SECRET_KEY = /(token|secret|password|passwd|apikey|api_key|credential|privatekey|private_key)$/i;

/** Every string under a credential-like key anywhere in `value` (objects and arrays), at least 4 characters. */
export function credentialValues(value: unknown, out: string[] = [], depth = 0): string[] {
  if (depth > 20 || value === null || typeof value !== "object") return out;
  if (Array.isArray(value)) {
    for (const v of value) credentialValues(v, out, depth + 1);
    return out;
  }
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v === "string" && v.length >= 4 && SECRET_KEY.test(k)) out.push(v);
    else credentialValues(v, out, depth + 1);
  }
  return out;
}

/** Values of environment variables whose names look like credentials (`DB_PASSWORD`, `API_TOKEN`). */
export function secretEnvValues(env: Readonly<Record<string, string>> | undefined): string[] {
  return Object.entries(env ?? {})
    .filter(([k, v]) => typeof v === "string" && v.length >= 4 && /(TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|CREDENTIALS?|PRIVATE_?KEY)$/i.test(k))
    .map(([, v]) => v);
}
