/**
 * A kubeconfig for one team: the Plinth API as the cluster, the team's bearer token as the user, its
 * first namespace as the default. `plinth kubeconfig` and `npm start` write it; kubectl, client-go and
 * the Pulumi Kubernetes provider read it.
 */
import * as YAML from "yaml";

export interface KubeconfigArgs {
  /** The API's URL over TLS, e.g. `https://127.0.0.1:8080` (kubectl sends tokens only over TLS). */
  server: string;
  /** PEM of the server's certificate (or its CA); without it the kubeconfig skips verification. */
  caPem?: string;
  token: string;
  team: string;
  namespace?: string;
  /** Name of the cluster and context (default `plinth`). */
  name?: string;
}

/** `http://host:port` → `https://host:port`: the platform speaks TLS on the same port. */
export function tlsUrl(url: string): string {
  return url.replace(/^http:\/\//, "https://");
}

export function kubeconfigFor(a: KubeconfigArgs): string {
  const name = a.name ?? "plinth";
  const user = `${name}-${a.team}`;
  return YAML.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name,
        cluster: a.caPem ? { server: a.server, "certificate-authority-data": Buffer.from(a.caPem, "utf8").toString("base64") } : { server: a.server, "insecure-skip-tls-verify": true },
      },
    ],
    users: [{ name: user, user: { token: a.token } }],
    contexts: [{ name, context: { cluster: name, user, ...(a.namespace ? { namespace: a.namespace } : {}) } }],
    "current-context": name,
    preferences: {},
  });
}

/** The namespace a team works in by default: its first one (`default` for the platform's `*`). */
export function defaultNamespace(namespaces: readonly string[] | "*"): string {
  return namespaces === "*" || namespaces.length === 0 ? "default" : namespaces[0];
}
