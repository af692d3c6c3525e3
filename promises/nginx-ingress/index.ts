export { nginxIngressPromise, nginxIngressSpec, nginxIngressConfig, ingressObjects } from "./promise";
export type { NginxIngressConfig, NginxIngressSpec } from "./promise";
