/**
 * PlinthService: Plinth's request service, highly available on a Kubernetes cluster (the platform
 * cluster): a Deployment of ≥ 2 stateless replicas in shared mode (Postgres), spread over nodes, with a
 * PodDisruptionBudget, a Service, an Ingress and its own ServiceAccount. The database URL, the teams
 * (with their tokens) and any secret environment are Kubernetes Secrets referenced by `secretKeyRef`, so
 * no secret is in the Deployment spec, and Pulumi secrets in the stack's state. The objects come from the
 * pure `planService` (plan.ts); bad arguments throw before anything is created.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ValidationError } from "../errors";
import { DATABASE_URL_KEY, TEAMS_KEY, checkServiceSpec, planService, type KubeObject, type ServiceSpecInput } from "./plan";

export const PLINTH_SERVICE_TYPE = "plinth:service:PlinthService";

/** A team as the service reads it from `PLINTH_TEAMS` (the `plinth:teams` schema). */
export interface ServiceTeam {
  name: string;
  namespaces: string[];
  token?: string;
  tokenSha256?: string;
}

export interface PlinthServiceArgs extends Omit<ServiceSpecInput, "secretEnv"> {
  /** `postgres://…` of the shared database (kept secret). */
  databaseUrl: pulumi.Input<string>;
  /** The teams and their bearer tokens (kept secret). */
  teams: pulumi.Input<ServiceTeam[]>;
  /** Secret environment variables, e.g. `PULUMI_CONFIG_PASSPHRASE` or `PLINTH_STORES` (Git credentials). */
  secretEnv?: Record<string, pulumi.Input<string>>;
}

/** Checks a database URL given as plain text (an Output is checked by the service at start). Never echoes it. */
export function checkDatabaseUrl(url: pulumi.Input<string>): void {
  if (typeof url !== "string") return;
  if (!/^postgres(ql)?:\/\/[^\s/]+/.test(url)) {
    throw new ValidationError(
      "invalid PlinthService: databaseUrl: must be a postgres:// URL such as postgres://plinth:<password>@db.example.com:5432/plinth (set it as a secret)",
      [{ path: ["databaseUrl"], message: "must be a postgres:// URL" }],
      "InvalidServiceArgs",
    );
  }
}

export class PlinthService extends pulumi.ComponentResource {
  /** What app teams use: `https://<host>` (TLS) or `http://<host>`. */
  public readonly url: pulumi.Output<string>;
  public readonly namespace: pulumi.Output<string>;
  public readonly deploymentName: pulumi.Output<string>;

  constructor(name: string, args: PlinthServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    // Checked before the component registers: bad arguments create nothing.
    const { databaseUrl, teams, secretEnv = {}, ...rest } = args;
    const spec = checkServiceSpec(name, { ...rest, secretEnv: Object.keys(secretEnv) });
    checkDatabaseUrl(databaseUrl);
    super(PLINTH_SERVICE_TYPE, name, {}, opts);
    const plan = planService(name, spec);
    const p = { parent: this };

    const ns = plan.namespace ? new k8s.core.v1.Namespace(`${name}-namespace`, { metadata: plan.namespace.metadata }, p) : undefined;
    const inNs = { ...p, dependsOn: ns ? [ns] : [] };
    const secret = (logical: string, obj: KubeObject, data: pulumi.Input<Record<string, pulumi.Input<string>>>) =>
      new k8s.core.v1.Secret(logical, { metadata: obj.metadata, type: obj.type as string, stringData: pulumi.secret(data) }, inNs);
    const secrets = [
      secret(`${name}-database`, plan.secrets.database, { [DATABASE_URL_KEY]: databaseUrl }),
      secret(`${name}-teams`, plan.secrets.teams, { [TEAMS_KEY]: pulumi.output(teams).apply((t) => JSON.stringify(t)) }),
      ...(plan.secrets.env ? [secret(`${name}-env`, plan.secrets.env, secretEnv)] : []),
    ];
    const sa = new k8s.core.v1.ServiceAccount(name, { metadata: plan.serviceAccount.metadata, automountServiceAccountToken: false }, inNs);
    const deployment = new k8s.apps.v1.Deployment(
      name,
      { metadata: plan.deployment.metadata, spec: plan.deployment.spec as k8s.types.input.apps.v1.DeploymentSpec },
      { ...p, dependsOn: [...inNs.dependsOn, sa, ...secrets] },
    );
    new k8s.policy.v1.PodDisruptionBudget(
      name,
      { metadata: plan.podDisruptionBudget.metadata, spec: plan.podDisruptionBudget.spec as k8s.types.input.policy.v1.PodDisruptionBudgetSpec },
      inNs,
    );
    const service = new k8s.core.v1.Service(name, { metadata: plan.service.metadata, spec: plan.service.spec as k8s.types.input.core.v1.ServiceSpec }, inNs);
    new k8s.networking.v1.Ingress(
      name,
      { metadata: plan.ingress.metadata, spec: plan.ingress.spec as k8s.types.input.networking.v1.IngressSpec },
      { ...p, dependsOn: [service] },
    );

    this.url = pulumi.output(plan.url);
    this.namespace = pulumi.output(spec.namespace);
    this.deploymentName = deployment.metadata.name;
    this.registerOutputs({ url: this.url, namespace: this.namespace, deploymentName: this.deploymentName });
  }
}
