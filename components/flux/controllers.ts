/**
 * Pure builders for Flux's controllers as plain Kubernetes objects (no upstream YAML is vendored):
 * the flux-system Namespace, one ServiceAccount + Deployment per controller, the source-controller
 * Service that serves artifacts, and the RBAC the controllers need.
 */
import { FLUX_NAMESPACE, type K8sObject } from "./sync";
import { KUSTOMIZE_LOCKDOWN_ARGS } from "./tenancy";

/** Pinned controller releases (Flux v2.9 line; the CRDs come from the matching `api` modules). */
export const FLUX_CONTROLLERS = {
  "source-controller": "ghcr.io/fluxcd/source-controller:v1.9.0",
  "kustomize-controller": "ghcr.io/fluxcd/kustomize-controller:v1.9.6",
  "helm-controller": "ghcr.io/fluxcd/helm-controller:v1.6.5",
} as const;
export type FluxController = keyof typeof FLUX_CONTROLLERS;
export const FLUX_CONTROLLER_NAMES = Object.keys(FLUX_CONTROLLERS) as FluxController[];

const PART_OF = { "app.kubernetes.io/part-of": "flux", "app.kubernetes.io/managed-by": "plinth" };

export function fluxNamespace(namespace = FLUX_NAMESPACE): K8sObject {
  return { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace, labels: { ...PART_OF, "pod-security.kubernetes.io/warn": "restricted" } } };
}

export function controllerServiceAccount(c: FluxController, namespace = FLUX_NAMESPACE): K8sObject {
  return { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: c, namespace, labels: { ...PART_OF, "app.kubernetes.io/component": c } } };
}

/** Permissions every controller needs on the toolkit APIs and the core objects it reads or writes. */
export function crdControllerRole(namespace = FLUX_NAMESPACE): K8sObject {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    metadata: { name: `crd-controller-${namespace}`, labels: PART_OF },
    rules: [
      { apiGroups: ["source.toolkit.fluxcd.io", "kustomize.toolkit.fluxcd.io", "helm.toolkit.fluxcd.io"], resources: ["*"], verbs: ["*"] },
      { apiGroups: [""], resources: ["namespaces", "secrets", "configmaps", "serviceaccounts"], verbs: ["get", "list", "watch"] },
      { apiGroups: [""], resources: ["events"], verbs: ["create", "patch"] },
      { apiGroups: ["events.k8s.io"], resources: ["events"], verbs: ["create", "patch"] },
      { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
    ],
  };
}

export function crdControllerBinding(namespace = FLUX_NAMESPACE): K8sObject {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name: `crd-controller-${namespace}`, labels: PART_OF },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: `crd-controller-${namespace}` },
    subjects: FLUX_CONTROLLER_NAMES.map((c) => ({ kind: "ServiceAccount", name: c, namespace })),
  };
}

/** kustomize- and helm-controller apply arbitrary objects from Git, so they reconcile as cluster-admin. */
export function clusterReconcilerBinding(namespace = FLUX_NAMESPACE): K8sObject {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name: `cluster-reconciler-${namespace}`, labels: PART_OF },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
    subjects: (["kustomize-controller", "helm-controller"] as const).map((c) => ({ kind: "ServiceAccount", name: c, namespace })),
  };
}

/** The Service kustomize- and helm-controller download artifacts from. */
export function sourceControllerService(namespace = FLUX_NAMESPACE): K8sObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "source-controller", namespace, labels: { ...PART_OF, "app.kubernetes.io/component": "source-controller" } },
    spec: {
      type: "ClusterIP",
      selector: { app: "source-controller" },
      ports: [{ name: "http", port: 80, protocol: "TCP", targetPort: "http" }],
    },
  };
}

/** Reconcile workers per controller (`--concurrent`); unset: the controller's default. */
export type FluxConcurrency = { source?: number; kustomize?: number; helm?: number };

export function controllerDeployment(c: FluxController, namespace = FLUX_NAMESPACE, concurrency: FluxConcurrency = {}): K8sObject {
  const workers = concurrency[c.replace("-controller", "") as keyof FluxConcurrency];
  const isSource = c === "source-controller";
  const dataDir = isSource ? "/data" : "/tmp";
  const args = [
    "--events-addr=",
    "--watch-all-namespaces=true",
    "--log-level=info",
    "--log-encoding=json",
    "--enable-leader-election",
    ...(c === "kustomize-controller" ? KUSTOMIZE_LOCKDOWN_ARGS : []),
    ...(workers ? [`--concurrent=${workers}`] : []),
    ...(isSource ? ["--storage-path=/data", "--storage-adv-addr=source-controller.$(RUNTIME_NAMESPACE).svc.cluster.local."] : []),
  ];
  const ports = [
    ...(isSource ? [{ name: "http", containerPort: 9090, protocol: "TCP" }] : []),
    { name: "http-prom", containerPort: 8080, protocol: "TCP" },
    { name: "healthz", containerPort: 9440, protocol: "TCP" },
  ];
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: c, namespace, labels: { ...PART_OF, "app.kubernetes.io/component": c } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: c } },
      strategy: { type: isSource ? "Recreate" : "RollingUpdate" },
      template: {
        metadata: { labels: { app: c }, annotations: { "prometheus.io/scrape": "true", "prometheus.io/port": "8080" } },
        spec: {
          serviceAccountName: c,
          terminationGracePeriodSeconds: 10,
          securityContext: { fsGroup: 1337 },
          containers: [
            {
              name: "manager",
              image: FLUX_CONTROLLERS[c],
              imagePullPolicy: "IfNotPresent",
              args,
              env: [
                { name: "RUNTIME_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
                { name: "TUF_ROOT", value: "/tmp/.sigstore" },
              ],
              ports,
              readinessProbe: isSource ? { httpGet: { path: "/", port: "http" } } : { httpGet: { path: "/readyz", port: "healthz" } },
              livenessProbe: { httpGet: { path: "/healthz", port: "healthz" } },
              resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "1000m", memory: "1Gi" } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ["ALL"] },
                seccompProfile: { type: "RuntimeDefault" },
              },
              volumeMounts: [{ name: "data", mountPath: dataDir }, ...(isSource ? [{ name: "tmp", mountPath: "/tmp" }] : [])],
            },
          ],
          volumes: [{ name: "data", emptyDir: {} }, ...(isSource ? [{ name: "tmp", emptyDir: {} }] : [])],
        },
      },
    },
  };
}

/**
 * Where the controllers run: `in-cluster` (Deployments + the artifact Service) or `external` (processes
 * outside the cluster, e.g. the local-cluster destination's, authenticating as the same ServiceAccounts:
 * only the Namespace, ServiceAccounts and RBAC are applied).
 */
export type FluxControllersMode = "in-cluster" | "external";

/** Everything the controllers need, in apply order (CRDs are separate: they come from controller-gen). */
export function fluxControllerObjects(namespace = FLUX_NAMESPACE, mode: FluxControllersMode = "in-cluster", concurrency: FluxConcurrency = {}): K8sObject[] {
  return [
    fluxNamespace(namespace),
    crdControllerRole(namespace),
    ...FLUX_CONTROLLER_NAMES.map((c) => controllerServiceAccount(c, namespace)),
    crdControllerBinding(namespace),
    clusterReconcilerBinding(namespace),
    ...(mode === "in-cluster" ? [sourceControllerService(namespace), ...FLUX_CONTROLLER_NAMES.map((c) => controllerDeployment(c, namespace, concurrency))] : []),
  ];
}
