/** The lower-level requests a web app is made of, as Kubernetes-style request objects with owner labels. */
import { childRequest, type K8sObject } from "../../components/promise";
import { clusterName, credentialsSecret } from "../postgresql/promise";
import type { WebAppConfig, WebAppSpec } from "./api";
import type { Owner } from "../../components/vocabulary/owner-labels";

/** The request a child belongs to. */
export type Parent = Owner;

function child(apiVersion: string, kind: string, parent: Parent, spec: Record<string, unknown>): K8sObject {
  return childRequest({ apiVersion, kind, parent, spec });
}

/** Database names of an app: the Kratix naming (`<name>db`), as a plain identifier. */
export function databaseOf(parent: Parent, config: WebAppConfig) {
  const teamId = config.database.teamId;
  const cluster = clusterName(teamId, parent.name);
  const dbName = `${parent.name.replace(/-/g, "_")}db`;
  return { teamId, dbName, cluster, host: `${cluster}.${parent.namespace}.svc.cluster.local`, secret: credentialsSecret(teamId, cluster) };
}

/** `jenkins` request: the app's CI server. */
export function jenkinsRequest(parent: Parent, config: WebAppConfig): K8sObject {
  return child("marketplace.kratix.io/v1alpha1", "jenkins", parent, { env: config.jenkins.env, plugins: config.jenkins.plugins });
}

/** `postgresql` request: the app's database (only when `dbDriver: postgresql`). */
export function postgresqlRequest(parent: Parent, config: WebAppConfig): K8sObject {
  const db = databaseOf(parent, config);
  return child("marketplace.kratix.io/v1alpha1", "postgresql", parent, { env: config.database.env, teamId: db.teamId, dbName: db.dbName });
}

/** `NginxIngress` request: the Service in front of the app's pods and the Ingress routing to it. */
export function ingressRequest(parent: Parent, spec: WebAppSpec, config: WebAppConfig): K8sObject {
  const s: Record<string, unknown> = {
    service: { name: spec.name, port: spec.service.port, targetPort: config.containerPort, selector: { app: spec.name } },
  };
  if (config.baseDomain) s.host = `${spec.name}.${config.baseDomain}`;
  return child("plinth.dev/v1alpha1", "NginxIngress", parent, s);
}
