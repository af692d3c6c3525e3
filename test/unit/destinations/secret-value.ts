/**
 * The engine's wire form of a secret value: `{ [SECRET_SIG]: SECRET_VALUE, value }`. Mocks record inputs
 * in that form, so a test can tell that the engine received a value as a secret.
 */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export function isSecretValue(v: unknown): boolean {
  return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** The value inside a secret (or `v` itself when it is not one). */
export function unwrapSecret<T = unknown>(v: unknown): T {
  return (isSecretValue(v) ? (v as { value: unknown }).value : v) as T;
}

/** Deep copy with every secret unwrapped, for comparing inputs as plain data. */
export function unwrapAll(v: unknown): unknown {
  const u = unwrapSecret(v);
  if (Array.isArray(u)) return u.map(unwrapAll);
  if (typeof u === "object" && u !== null) return Object.fromEntries(Object.entries(u).map(([k, x]) => [k, unwrapAll(x)]));
  return u;
}
