/**
 * `postgresql`: the Kratix Marketplace PostgreSQL API (marketplace.kratix.io/v1alpha1 `postgresql`: env
 * dev|prod, teamId, dbName) on the Zalando Postgres Operator. Dependencies: the operator's Helm chart
 * through Flux, pinned. A request renders an `acid.zalan.do/v1 postgresql` cluster named
 * `<teamId>-<name>-postgresql` whose owner role is the team and which holds the requested database.
 */
import { z } from "zod";
import { definePromise, type K8sObject } from "../../components/promise";
import { helmChartConfig, helmChartDependencies } from "../../components/promise/flux";

const TEAM = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** A PostgreSQL identifier the operator can create (letters, digits, `_`, `-`; not starting with a digit). */
const DB_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const SIZE = /^\d+(\.\d+)?(Mi|Gi|Ti)$/;

export const postgresqlSpec = z.object({
  /** `dev` or `prod`: prod clusters get more instances and storage. */
  env: z.enum(["dev", "prod"]).default("dev"),
  /** Team ID: a superuser role with this name owns the database. */
  teamId: z.string().max(30, "must be at most 30 characters").regex(TEAM, "must be lowercase letters, digits and '-', starting and ending with a letter or digit").default("acid"),
  /** Name of the database created in the cluster, owned by the team role. */
  dbName: z.string().max(63, "must be at most 63 characters").regex(DB_NAME, "must be a PostgreSQL identifier: letters, digits, '_' or '-', not starting with a digit").default("postgres"),
});

const size = z.object({
  instances: z.number().int().min(1, "must be at least 1").max(9),
  volume: z.string().regex(SIZE, "must be a storage size such as 1Gi or 500Mi"),
});

export const postgresqlConfig = z.object({
  operator: helmChartConfig({
    namespace: "postgres-operator",
    repository: "https://opensource.zalando.com/postgres-operator/charts/postgres-operator",
    chart: "postgres-operator",
    version: "1.14.0",
  }),
  /** Major PostgreSQL version of new clusters. */
  postgresVersion: z.enum(["13", "14", "15", "16", "17"]).default("16"),
  /** Instances and volume per environment (Kratix: 1 × 1Gi in dev, 3 × 10Gi in prod). */
  sizes: z
    .object({
      dev: size.default({ instances: 1, volume: "1Gi" }),
      prod: size.default({ instances: 3, volume: "10Gi" }),
    })
    .prefault({}),
  /** StorageClass of the volumes; the cluster default when omitted. */
  storageClass: z.string().min(1).optional(),
  /** Nightly logical backups of prod clusters (needs the operator's backup settings). */
  prodLogicalBackup: z.boolean().default(false),
});
export type PostgresqlConfig = z.output<typeof postgresqlConfig>;

const LABELS = { "app.kubernetes.io/managed-by": "plinth", "plinth.dev/promise": "postgresql" };

/** Name of the cluster of request `name` (the operator requires the `<teamId>-` prefix). */
export function clusterName(teamId: string, name: string): string {
  return `${teamId}-${name}-postgresql`;
}

/** Name of the Secret the operator writes the owner role's credentials to. */
export function credentialsSecret(teamId: string, cluster: string): string {
  return `${teamId}.${cluster}.credentials.postgresql.acid.zalan.do`;
}

/** The `acid.zalan.do/v1 postgresql` cluster of one request. */
export function postgresCluster(args: { name: string; namespace: string; env: "dev" | "prod"; teamId: string; dbName: string; config: PostgresqlConfig }): K8sObject {
  const { config, env, teamId } = args;
  const s = config.sizes[env];
  const volume: Record<string, unknown> = { size: s.volume };
  if (config.storageClass) volume.storageClass = config.storageClass;
  return {
    apiVersion: "acid.zalan.do/v1",
    kind: "postgresql",
    metadata: { name: clusterName(teamId, args.name), namespace: args.namespace, labels: { ...LABELS, "plinth.dev/env": env } },
    spec: {
      teamId,
      numberOfInstances: s.instances,
      volume,
      postgresql: { version: config.postgresVersion },
      users: { [teamId]: ["superuser", "createdb"] },
      databases: { [args.dbName]: teamId },
      enableLogicalBackup: env === "prod" && config.prodLogicalBackup,
    },
  };
}

export const postgresqlPromise = definePromise({
  name: "postgresql",
  version: "0.1.0",
  description: "PostgreSQL as a Service on the Zalando Postgres Operator (Kratix Marketplace API)",
  api: { group: "marketplace.kratix.io", version: "v1alpha1", kind: "postgresql", plural: "postgresqls", spec: postgresqlSpec },
  config: postgresqlConfig,
  dependencies: ({ config }) =>
    helmChartDependencies({
      release: "postgres-operator",
      chart: config.operator,
      values: { configKubernetes: { watched_namespace: "*", enable_pod_antiaffinity: false } },
      labels: { "plinth.dev/promise": "postgresql" },
    }),
  workflows: {
    resource: {
      configure: [
        {
          name: "configure",
          steps: [
            {
              name: "postgres-cluster",
              render: ({ object, config }) => {
                const { env, teamId, dbName } = object.spec;
                const { name, namespace } = object.metadata;
                const cluster = clusterName(teamId, name);
                if (cluster.length > 63) {
                  throw new Error(`cluster name "${cluster}" is longer than 63 characters: shorten metadata.name or spec.teamId`);
                }
                const cr = postgresCluster({ name, namespace, env, teamId, dbName, config });
                const s = config.sizes[env];
                return {
                  files: { "postgres-instance.yaml": cr },
                  status: {
                    message: `${s.instances} × ${s.volume} PostgreSQL ${config.postgresVersion} cluster requested`,
                    instanceName: cluster,
                    connectionDetails: {
                      host: `${cluster}.${namespace}.svc.cluster.local`,
                      database: dbName,
                      credentialsSecret: `${namespace}/${credentialsSecret(teamId, cluster)}`,
                    },
                  },
                };
              },
            },
          ],
        },
      ],
    },
  },
  outputs: ({ status }) => ({ instanceName: status.instanceName, connectionDetails: status.connectionDetails }),
});
