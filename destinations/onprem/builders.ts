/**
 * Pure builders for an on-prem / edge Destination: k3s installed over SSH (the first host runs the server,
 * the others join as agents), and the kubeconfig k3s writes, rewritten to reach the server from outside.
 * Secrets (SSH key, join token) never appear in a command line: they travel as connection input or stdin.
 */
import { parse, stringify } from "yaml";
import type { OnPremConfig } from "../cluster-config";

export const K3S_INSTALL_URL = "https://get.k3s.io";
export const K3S_API_PORT = 6443;
export const K3S_KUBECONFIG_PATH = "/etc/rancher/k3s/k3s.yaml";
export const K3S_TOKEN_PATH = "/var/lib/rancher/k3s/server/node-token";

/** Single-quotes `s` for a POSIX shell. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function serverHost(cfg: OnPremConfig): string {
  return cfg.hosts[0];
}

export function agentHosts(cfg: OnPremConfig): string[] {
  return cfg.hosts.slice(1);
}

export function connectionArgs<K>(cfg: OnPremConfig, host: string, privateKey: K) {
  return { host, port: cfg.port, user: cfg.user, privateKey };
}

/** Installs (or upgrades to) the pinned k3s server; the API certificate also names the public host. */
export function serverInstallCommand(cfg: OnPremConfig): { create: string; delete: string } {
  const host = serverHost(cfg);
  const exec = `server --tls-san ${host} --write-kubeconfig-mode 600 --node-label plinth.dev/role=server`;
  return {
    create: `curl -sfL ${K3S_INSTALL_URL} | INSTALL_K3S_VERSION=${shellQuote(cfg.k3sVersion)} INSTALL_K3S_EXEC=${shellQuote(exec)} sh -`,
    delete: "if [ -x /usr/local/bin/k3s-uninstall.sh ]; then /usr/local/bin/k3s-uninstall.sh; fi",
  };
}

/** Joins an agent to the server; the join token arrives on stdin. */
export function agentInstallCommand(cfg: OnPremConfig): { create: string; delete: string } {
  const url = `https://${serverHost(cfg)}:${K3S_API_PORT}`;
  return {
    create: [
      "read -r K3S_TOKEN",
      "export K3S_TOKEN",
      `curl -sfL ${K3S_INSTALL_URL} | K3S_URL=${shellQuote(url)} INSTALL_K3S_VERSION=${shellQuote(cfg.k3sVersion)} sh -s - agent --node-label plinth.dev/role=agent`,
    ].join(" && "),
    delete: "if [ -x /usr/local/bin/k3s-agent-uninstall.sh ]; then /usr/local/bin/k3s-agent-uninstall.sh; fi",
  };
}

/** Reads a root-owned file of the server (the join token, the kubeconfig). */
export function readFileCommand(path: string): string {
  return `sudo -n cat ${shellQuote(path)} 2>/dev/null || cat ${shellQuote(path)}`;
}

/**
 * Rewrites k3s's kubeconfig (server `https://127.0.0.1:6443`, names `default`) so it reaches `host` and
 * names its cluster, user and context `k3s-<name>`. Credentials are kept as they are.
 */
export function rewriteK3sKubeconfig(text: string, host: string, name: string): string {
  const doc = parse(text) as {
    clusters?: { name: string; cluster: { server?: string } }[];
    users?: { name: string }[];
    contexts?: { name: string; context: { cluster: string; user: string } }[];
    "current-context"?: string;
  } | null;
  if (!doc || !Array.isArray(doc.clusters) || doc.clusters.length === 0) {
    throw new Error(`the kubeconfig read from ${host}:${K3S_KUBECONFIG_PATH} has no clusters; is k3s running there?`);
  }
  const ctx = `k3s-${name}`;
  for (const c of doc.clusters) {
    c.name = ctx;
    c.cluster.server = `https://${host.includes(":") ? `[${host}]` : host}:${K3S_API_PORT}`;
  }
  for (const u of doc.users ?? []) u.name = ctx;
  doc.contexts = [{ name: ctx, context: { cluster: ctx, user: ctx } }];
  doc["current-context"] = ctx;
  return stringify(doc);
}
