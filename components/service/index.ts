/** Plinth's request service on a Kubernetes cluster (the platform stack deploys it). */
export * from "./plan";
export * from "./plinth-service";
