/** The portal's calls to the API: same origin, the session cookie, the CSRF token on writes. */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown,
  ) {
    super(message);
  }
}

export interface SessionInfo {
  team: string;
  namespaces: string[] | "*";
  csrfToken: string;
  expiresAt: string;
}

let csrfToken = "";
let onUnauthorized: (e: ApiError) => void = () => undefined;

export function useSession(s: SessionInfo | null): void {
  csrfToken = s?.csrfToken ?? "";
}

/** Called when any call answers 401 (the session expired or was signed out). */
export function whenUnauthorized(f: (e: ApiError) => void): void {
  onUnauthorized = f;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET") headers["x-plinth-csrf"] = csrfToken;
  const res = await fetch(path, { method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { message: text };
  }
  if (!res.ok) {
    const d = (data ?? {}) as { code?: string; message?: string; details?: unknown };
    const err = new ApiError(res.status, d.code ?? "Error", d.message ?? res.statusText, d.details);
    if (res.status === 401 && !path.startsWith("/v1/session")) onUnauthorized(err);
    throw err;
  }
  return data as T;
}

export const requestPath = (ns: string, kind: string, name: string): string =>
  `/v1/requests/${encodeURIComponent(ns)}/${encodeURIComponent(kind)}/${encodeURIComponent(name)}`;
