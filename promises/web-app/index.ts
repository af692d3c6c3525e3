export { webAppPromise, webAppSpec, webAppConfig, appDeployment } from "./promise";
export type { WebAppConfig, WebAppSpec } from "./promise";
export { jenkinsRequest, postgresqlRequest, ingressRequest, databaseOf } from "./children";
export { ownerLabels, OWNER_NAMESPACE, OWNER_KIND, OWNER_NAME } from "../../components/vocabulary/owner-labels";
export type { Parent } from "./children";
export { notificationsConfig, notificationSteps, slackInputs, pagerDutyInputs, zendeskInputs } from "./notifications";
export type { NotificationsConfig } from "./notifications";
