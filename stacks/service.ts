/**
 * The platform stack's part that runs Plinth itself for real: the request service (PlinthService) on the
 * platform cluster, in shared mode on PostgreSQL (`plinth:database`: a URL, or an RDS instance in the
 * platform cluster's VPC). Its URL is the stack's `endpoint`, what app teams use.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PlinthService } from "../components/service/plinth-service";
import { RdsPostgres } from "../components/database/rds-postgres";
import { EksDestination } from "../destinations/eks";
import type { ClusterDestination } from "../destinations/topology";
import { destinationSpecs, type PlatformConfig } from "./config";
import { platformClusterOf } from "./service-config";

export interface DeployedService {
  service: PlinthService;
  database?: RdsPostgres;
  url: pulumi.Output<string>;
}

/** What each replica reads from `PLINTH_CONFIG` (secret): the platform config it serves, teams apart. */
export function serviceRuntimeConfig(cfg: PlatformConfig): Record<string, unknown> {
  return {
    stateStores: cfg.stateStores,
    destinations: destinationSpecs(cfg).map((d) => ({ ...d, kind: d.labels.environment === "platform" ? "platform" : "local" })),
    promises: cfg.promises,
    limits: cfg.limits,
  };
}

/**
 * Creates the database (when `rds`), a Kubernetes provider on the platform cluster and the PlinthService.
 * `clusters` are the topology's components (config order); config was validated before.
 */
export function deployService(cfg: PlatformConfig, clusters: ClusterDestination[]): DeployedService {
  const s = cfg.service!;
  const db = cfg.database!;
  const platform = s.kubeconfig === undefined ? platformClusterOf(cfg.clusters, s.cluster) : undefined;
  const cluster = platform ? clusters.find((c) => c.destination.name === platform.name) : undefined;
  const kubeconfig = s.kubeconfig !== undefined ? pulumi.secret(s.kubeconfig) : cluster!.kubeconfig;
  let database: RdsPostgres | undefined;
  if (db.rds) {
    // Validated: the platform cluster is on EKS.
    const eks = cluster as EksDestination;
    database = new RdsPostgres("plinth-db", { ...db.rds, password: pulumi.secret(db.rds.password), ...eks.network });
  }
  const databaseUrl = database ? database.url : pulumi.secret(db.url!);
  const provider = new k8s.Provider("plinth-service-k8s", { kubeconfig, enableServerSideApply: true }, { dependsOn: cluster ? [cluster] : [] });
  const teams = cfg.teams.map((t) => ({ name: t.name, namespaces: t.namespaces, ...(t.token ? { token: t.token } : {}), ...(t.tokenSha256 ? { tokenSha256: t.tokenSha256 } : {}) }));
  const service = new PlinthService(
    "plinth",
    {
      image: s.image,
      replicas: s.replicas,
      namespace: s.namespace,
      createNamespace: s.createNamespace,
      host: s.host,
      ingressClassName: s.ingressClassName,
      tlsSecretName: s.tlsSecretName,
      ingressAnnotations: s.ingressAnnotations,
      serviceAccountAnnotations: s.serviceAccountAnnotations,
      resources: s.resources,
      databaseUrl,
      teams: pulumi.secret(teams),
      env: { PLINTH_STACK: pulumi.getStack(), ...(s.secretsProvider ? { PLINTH_SECRETS_PROVIDER: s.secretsProvider } : {}) },
      secretEnv: {
        PLINTH_CONFIG: pulumi.secret(JSON.stringify(serviceRuntimeConfig(cfg))),
        ...(s.passphrase ? { PULUMI_CONFIG_PASSPHRASE: pulumi.secret(s.passphrase) } : {}),
      },
    },
    { providers: [provider], dependsOn: database ? [database] : [] },
  );
  return { service, database, url: service.url };
}
