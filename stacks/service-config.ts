/**
 * `plinth:service` (the request service deployed on the platform cluster) and `plinth:database` (its
 * PostgreSQL: a URL, or an RDS instance the stack creates), with the rules that span other keys.
 */
import { z } from "zod";
import type { FieldIssue } from "../components/errors";
import { rdsConfigSchema } from "../components/database/rds-plan";
import { serviceSpecSchema } from "../components/service/plan";

export const serviceConfigSchema = serviceSpecSchema
  .pick({ image: true, replicas: true, namespace: true, createNamespace: true, host: true, ingressClassName: true, tlsSecretName: true, ingressAnnotations: true, serviceAccountAnnotations: true, resources: true })
  .extend({
    /** The `plinth:clusters` destination the service runs on (default: the one of kind platform). */
    cluster: z.string().optional(),
    /** Or the kubeconfig of a cluster you run already (set it as a secret). */
    kubeconfig: z.string().min(1).optional(),
    /** The secrets provider every replica shares for Pulumi state, e.g. awskms://alias/plinth?region=eu-west-1. */
    secretsProvider: z.string().regex(/^(awskms|azurekeyvault|gcpkms|hashivault):\/\/\S+$/, "must be a KMS URL such as awskms://alias/plinth?region=eu-west-1").optional(),
    /** Or a passphrase (set it as a secret). */
    passphrase: z.string().min(16, "must be at least 16 characters").optional(),
  })
  .strict();

export const databaseConfigSchema = z
  .object({
    /** An existing PostgreSQL (set it as a secret). */
    url: z.string().regex(/^postgres(ql)?:\/\/\S+$/, "must be a postgres:// URL, e.g. postgres://plinth:<password>@db.example.com:5432/plinth").optional(),
    /** Or an RDS PostgreSQL instance in the platform cluster's VPC (EKS). */
    rds: rdsConfigSchema.optional(),
  })
  .strict()
  .refine((d) => (d.url === undefined) !== (d.rds === undefined), { message: "set exactly one of url (an existing PostgreSQL) or rds (an RDS instance this stack creates)" });

export type ServiceConfig = z.output<typeof serviceConfigSchema>;
export type DatabaseConfig = z.output<typeof databaseConfigSchema>;

interface Platformish {
  service?: ServiceConfig;
  database?: DatabaseConfig;
  stateStores: { embedded: boolean; url?: string }[];
}

/** The platform cluster among the topology's destinations (by name, or the one of kind platform). */
export function platformClusterOf(clusters: unknown, name?: string): { name: string; kind: string; eks?: unknown } | undefined {
  const list = (clusters as { destinations?: { name: string; kind: string; eks?: unknown }[] } | undefined)?.destinations ?? [];
  return name === undefined ? list.find((d) => d.kind === "platform") : list.find((d) => d.name === name);
}

/** Rules across keys: what the deployed service needs (a database, a cluster, remote stores, a secrets provider). */
export function serviceConfigIssues(cfg: Platformish & { clusters?: unknown }): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const s = cfg.service;
  if (s) {
    if (!cfg.database) issues.push({ path: ["database"], message: "the service needs a PostgreSQL: set url (as a secret) or rds" });
    const cluster = platformClusterOf(cfg.clusters, s.cluster);
    if (s.kubeconfig === undefined && !cluster) {
      issues.push(
        s.cluster === undefined
          ? { path: ["service", "cluster"], message: "no platform cluster to run on: add a destination of kind platform to plinth:clusters, or set plinth:service.kubeconfig" }
          : { path: ["service", "cluster"], message: `no destination "${s.cluster}" in plinth:clusters` },
      );
    }
    if (s.kubeconfig !== undefined && s.cluster !== undefined) issues.push({ path: ["service", "kubeconfig"], message: "set cluster or kubeconfig, not both" });
    if ((s.secretsProvider === undefined) === (s.passphrase === undefined)) {
      issues.push({ path: ["service", "secretsProvider"], message: "every replica shares one secrets provider: set exactly one of secretsProvider (a KMS URL) or passphrase (as a secret)" });
    }
    cfg.stateStores.forEach((st, i) => {
      if (st.embedded) issues.push({ path: ["stateStores", i, "embedded"], message: "the replicas of the service share State Stores on a Git remote: set url (and credentials) instead of embedded" });
    });
  }
  if (cfg.database?.rds) {
    const cluster = platformClusterOf(cfg.clusters, s?.cluster);
    if (!cluster?.eks) issues.push({ path: ["database", "rds"], message: "an RDS database is created in the platform cluster's VPC: the platform cluster (plinth:clusters) must be on EKS; otherwise set url" });
  }
  return issues;
}
