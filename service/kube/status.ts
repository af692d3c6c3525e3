/**
 * Errors as a Kubernetes API server answers them: a `metav1.Status` with `reason`, `code` and `details`
 * (field causes from the service's zod issues), and the messages kubectl users know
 * (`redis.marketplace.kratix.io "example" not found`, `... is forbidden: User "x" cannot get resource ...`).
 */
import type { ServerResponse } from "node:http";
import { PlinthError, type FieldIssue } from "../../components/errors";
import type { KubeKind } from "./kinds";

export interface StatusCause {
  type?: string;
  message: string;
  field?: string;
}

export interface KubeStatus {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, never>;
  status: "Failure" | "Success";
  message: string;
  reason: string;
  details?: { name?: string; group?: string; kind?: string; causes?: StatusCause[]; retryAfterSeconds?: number };
  code: number;
}

const REASONS: Record<number, string> = {
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  405: "MethodNotAllowed",
  406: "NotAcceptable",
  409: "Conflict",
  410: "Expired",
  413: "RequestEntityTooLarge",
  415: "UnsupportedMediaType",
  422: "Invalid",
  429: "TooManyRequests",
  500: "InternalError",
  503: "ServiceUnavailable",
};

/** A Status error the kube front throws itself (already in Kubernetes terms). */
export class KubeError extends PlinthError {
  constructor(
    readonly kubeStatus: Omit<KubeStatus, "kind" | "apiVersion" | "metadata" | "status">,
  ) {
    super(kubeStatus.reason, kubeStatus.message, kubeStatus.details, kubeStatus.code);
  }
}

export function statusOf(code: number, message: string, reason = REASONS[code] ?? "Unknown", details?: KubeStatus["details"]): KubeStatus {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, ...(details ? { details } : {}), code };
}

export function kubeError(code: number, message: string, reason?: string, details?: KubeStatus["details"]): KubeError {
  const s = statusOf(code, message, reason, details);
  return new KubeError({ message: s.message, reason: s.reason, code: s.code, details: s.details });
}

/** `redis.marketplace.kratix.io` (resource.group), as Kubernetes names a resource in messages. */
export function qualified(kind: KubeKind): string {
  return kind.group ? `${kind.plural}.${kind.group}` : kind.plural;
}

/** What a request was doing when the service refused it, to word the Status like Kubernetes. */
export interface Attempt {
  verb: string;
  kind: KubeKind;
  name?: string;
  namespace?: string;
  user: string;
}

export function forbidden(a: Attempt): KubeError {
  const what = a.name ? `${qualified(a.kind)} "${a.name}"` : qualified(a.kind);
  const where = a.namespace ? ` in the namespace "${a.namespace}"` : " at the cluster scope";
  return kubeError(
    403,
    `${what} is forbidden: User "${a.user}" cannot ${a.verb} resource "${a.kind.plural}" in API group "${a.kind.group}"${where}`,
    "Forbidden",
    { ...(a.name ? { name: a.name } : {}), group: a.kind.group, kind: a.kind.plural },
  );
}

export function notFound(kind: KubeKind, name: string): KubeError {
  return kubeError(404, `${qualified(kind)} "${name}" not found`, "NotFound", { name, group: kind.group, kind: kind.plural });
}

function causesOf(details: unknown): StatusCause[] {
  const issues = (details as { issues?: FieldIssue[] } | null | undefined)?.issues;
  if (!Array.isArray(issues)) return [];
  return issues.map((i) => ({ type: "FieldValueInvalid", message: `Invalid value: ${i.message}`, field: i.path.join(".") }));
}

/** The service's error (or anything thrown) in Kubernetes terms for attempt `a`. */
export function toKubeStatus(err: unknown, a?: Attempt): KubeStatus {
  if (err instanceof KubeError) return statusOf(err.kubeStatus.code, err.kubeStatus.message, err.kubeStatus.reason, err.kubeStatus.details);
  const e = err as Partial<PlinthError> | undefined;
  const code = typeof e?.status === "number" && e.status >= 400 && e.status <= 599 ? e.status : 500;
  if (code === 500 && !(err instanceof PlinthError)) return statusOf(500, "Internal error occurred: see the Plinth service log", "InternalError");
  const message = e?.message ?? "error";
  if (a) {
    const name = a.name ?? "";
    const q = qualified(a.kind);
    const base = { name, group: a.kind.group, kind: a.kind.plural };
    if (code === 403) return toKubeStatus(forbidden(a));
    if (code === 404 && e?.code === "RequestNotFound") return toKubeStatus(notFound(a.kind, name));
    if (code === 409 && e?.code === "AlreadyExists") return statusOf(409, `${q} "${name}" already exists`, "AlreadyExists", base);
    if (code === 409 && e?.code === "Conflict") {
      return statusOf(409, `Operation cannot be fulfilled on ${q} "${name}": the object has been modified; please apply your changes to the latest version and try again`, "Conflict", base);
    }
    if (code === 422 || code === 400) {
      const causes = causesOf(e?.details);
      if (causes.length) {
        const list = causes.map((c) => `${c.field}: ${c.message}`);
        const joined = list.length === 1 ? list[0] : `[${list.join(", ")}]`;
        return statusOf(422, `${a.kind.kind}.${a.kind.group} "${name}" is invalid: ${joined}`, "Invalid", { ...base, kind: a.kind.kind, causes });
      }
    }
  }
  return statusOf(code, message, REASONS[code] ?? "Unknown");
}

export function sendStatus(res: ServerResponse, s: KubeStatus, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = JSON.stringify(s) + "\n";
  res.writeHead(s.code, { "Content-Type": "application/json", "Content-Length": String(Buffer.byteLength(text)), "Cache-Control": "no-store", ...headers });
  res.end(text);
}
