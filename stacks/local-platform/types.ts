/** The local platform's options, outputs and what it needs of a running local cluster. */
import type { AnyPromise } from "../../components/promise/types";
import type { KubeClient } from "../../destinations/local-cluster/kube-client";
import type { PlinthServiceOptions } from "../../service/core";
import type { Toolchain } from "../../tools/pulumi/ensure";
import type { SharedMode } from "../../service/shared/config";

export interface LocalPlatformOptions {
  /** Directory for all local state (`.plinth/` of the checkout). */
  dataDir: string;
  toolchain: Toolchain;
  /** Port of the HTTP server (0 = any free port). */
  port: number;
  host?: string;
  /** Name of the platform stack. */
  stack?: string;
  log?: (line: string) => void;
  /** Shared mode (Postgres; service/shared/config.ts), or undefined for the embedded default. */
  shared?: SharedMode;
  /** Promises that may be installed, by name (default: the Marketplace). */
  catalogue?: Readonly<Record<string, AnyPromise>>;
}

/** What the platform needs of a running local cluster (destinations/local-cluster's LocalCluster). */
export interface LocalClusterHandle {
  kubeconfig: string;
  client: KubeClient;
  /** Directory holding `pulumi-resource-kubernetes` (the plugin `@pulumi/kubernetes` needs). */
  pluginDir: string;
}

export type ServeOptions = Partial<Pick<PlinthServiceOptions, "concurrency" | "maxAttempts" | "retryBaseMs" | "log" | "resyncIntervalMs" | "shared">>;

export interface PlatformOutputs {
  stateStore: { name: string; url: string; branch: string; path: string; head: string };
  stateStores: { name: string; url: string; branch: string; path: string; head: string }[];
  destinations: { name: string; labels: Record<string, string>; path: string; strictMatchLabels: boolean; stateStore: string }[];
  promises: { name: string; version: string; apiVersion: string; kind: string; plural: string; schema: unknown; destinations: string[] }[];
  endpoint: string;
  placements?: { dir: string; files: string[] }[];
  /** The `plinth:*` config the update ran with (what a reload configures). */
  config?: Record<string, unknown>;
  /** Kubeconfig of each EKS / GKE / on-prem destination (a stack secret), by name. */
  kubeconfigs?: Record<string, string>;
}
