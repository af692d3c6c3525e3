export { postgresqlPromise, postgresqlSpec, postgresqlConfig, postgresCluster, clusterName, credentialsSecret } from "./promise";
export type { PostgresqlConfig } from "./promise";
