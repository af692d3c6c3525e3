/**
 * Kubeconfig text for a token user, and the reverse: the server, CA and token of a kubeconfig's current
 * context. Pure functions; the YAML is produced by the `yaml` package.
 */
import { parse, stringify } from "yaml";
import { ValidationError } from "../../components/errors";

export interface KubeconfigArgs {
  /** `https://127.0.0.1:<port>` */
  server: string;
  /** PEM of the CA (or self-signed serving certificate) the server presents. */
  caPem: string;
  /** Bearer token of `user`. */
  token: string;
  /** Names inside the file; `context` is also the current context. */
  user: string;
  cluster: string;
  context: string;
  /** Namespace of the context (optional). */
  namespace?: string;
}

export function buildKubeconfig(a: KubeconfigArgs): string {
  const context: Record<string, string> = { cluster: a.cluster, user: a.user };
  if (a.namespace) context.namespace = a.namespace;
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: a.cluster, cluster: { server: a.server, "certificate-authority-data": Buffer.from(a.caPem, "utf8").toString("base64") } }],
    users: [{ name: a.user, user: { token: a.token } }],
    contexts: [{ name: a.context, context }],
    "current-context": a.context,
    preferences: {},
  });
}

/** What a client needs from a kubeconfig: its current context's server, CA and bearer token. */
export interface KubeconfigCredentials {
  server: string;
  caPem: string;
  token: string;
  namespace?: string;
}

interface NamedEntry {
  name?: unknown;
  [k: string]: unknown;
}

function fail(path: (string | number)[], message: string): never {
  throw new ValidationError(`kubeconfig ${path.join(".")}: ${message}`, [{ path, message }], "InvalidKubeconfig");
}

function find(list: unknown, key: string, name: string, field: string): Record<string, unknown> {
  if (!Array.isArray(list)) fail([key], `must be a list holding an entry named ${JSON.stringify(name)}`);
  const hit = (list as NamedEntry[]).find((e) => e && e.name === name);
  const inner = hit?.[field];
  if (!inner || typeof inner !== "object") fail([key], `has no entry named ${JSON.stringify(name)} with a "${field}" map`);
  return inner as Record<string, unknown>;
}

/**
 * Reads the current context of a kubeconfig. Only token users with an inline CA
 * (`certificate-authority-data`) or a CA file are supported; anything else is a ValidationError naming the field.
 */
export function parseKubeconfig(text: string, readFile?: (path: string) => string): KubeconfigCredentials {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    fail([], `is not YAML (${err instanceof Error ? err.message : String(err)})`);
  }
  if (!doc || typeof doc !== "object") fail([], "must be a YAML map");
  const cfg = doc as Record<string, unknown>;
  const current = cfg["current-context"];
  if (typeof current !== "string" || !current) fail(["current-context"], "must name a context");
  const ctx = find(cfg.contexts, "contexts", current, "context");
  if (typeof ctx.cluster !== "string") fail(["contexts", current, "cluster"], "must name a cluster");
  if (typeof ctx.user !== "string") fail(["contexts", current, "user"], "must name a user");
  const cluster = find(cfg.clusters, "clusters", ctx.cluster, "cluster");
  const user = find(cfg.users, "users", ctx.user, "user");
  if (typeof cluster.server !== "string" || !/^https:\/\//.test(cluster.server)) fail(["clusters", ctx.cluster, "server"], "must be an https:// URL");
  let caPem: string;
  if (typeof cluster["certificate-authority-data"] === "string") {
    caPem = Buffer.from(cluster["certificate-authority-data"], "base64").toString("utf8");
  } else if (typeof cluster["certificate-authority"] === "string" && readFile) {
    caPem = readFile(cluster["certificate-authority"]);
  } else {
    fail(["clusters", ctx.cluster, "certificate-authority-data"], "must hold the server's CA (base64 PEM)");
  }
  if (typeof user.token !== "string" || !user.token) fail(["users", ctx.user, "token"], "must be a bearer token (only token users are supported)");
  const out: KubeconfigCredentials = { server: cluster.server.replace(/\/+$/, ""), caPem, token: user.token };
  if (typeof ctx.namespace === "string") out.namespace = ctx.namespace;
  return out;
}
