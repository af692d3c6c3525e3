/** What the API answers, as the portal reads it. */

export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
  lastTransitionTime: string;
}

export interface RequestObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; generation: number; creationTimestamp: string; deletionTimestamp?: string; labels?: Record<string, string> };
  spec: Record<string, unknown>;
  status: {
    conditions: Condition[];
    observedGeneration: number;
    message: string;
    destinations: string[];
    files: { destination: string; path: string; commit: string }[];
    outputs: Record<string, unknown>;
    children?: { namespace: string; kind: string; name: string; ready: boolean }[];
  };
}

export interface PromiseEntry {
  name: string;
  version: string;
  apiVersion: string;
  kind: string;
  plural: string;
  schema: Record<string, unknown>;
  destinations: string[];
}

export interface MarketplaceItem {
  name: string;
  version: string;
  description: string;
  category: string;
  kind: string;
  installed: boolean;
  installedVersion?: string;
}

export interface Destination {
  name: string;
  labels: Record<string, string>;
  path: string;
  stateStore: string;
  strictMatchLabels: boolean;
}

export interface PreviewResult {
  destinations: string[];
  files: { destination: string; path: string; change: string; diff: string }[];
  actions: { name: string; kind: string; change: string }[];
}

export interface RequestEvent {
  type: string;
  time: string;
  message: string;
}
