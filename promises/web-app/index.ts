export { webAppPromise, webAppSpec, webAppConfig, appDeployment } from "./promise";
export type { WebAppConfig, WebAppSpec } from "./promise";
export { ownerLabels, jenkinsRequest, postgresqlRequest, ingressRequest, databaseOf, OWNER_NAMESPACE, OWNER_KIND, OWNER_NAME } from "./children";
export type { Parent } from "./children";
export { notificationsConfig, notificationSteps, slackInputs, pagerDutyInputs, zendeskInputs } from "./notifications";
export type { NotificationsConfig } from "./notifications";
