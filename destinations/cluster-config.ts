/**
 * The platform team's topology config (State Store + provisioned Destinations) as zod schemas, and the
 * pure validators run on it before any resource exists. Every issue names its key path, e.g.
 * `destinations[1].eks.region: is required`.
 */
import { z } from "zod";
import { ValidationError, type FieldIssue } from "../components/errors";
import { validateDestinations, type ResolvedDestination } from "../components/vocabulary/destination";

const required = (what: string) => ({ error: (i: { input?: unknown }) => (i.input === undefined ? `is required: ${what}` : `must be a string: ${what}`) });
const text = (what: string) => z.string(required(what)).min(1, `must not be empty: ${what}`);
const count = (what: string) =>
  z.number({ error: (i) => (i.input === undefined ? `is required: ${what}` : "must be a whole number") }).int("must be a whole number").min(1, `must be at least 1: ${what}`);
const cidr = z.string(required("an IPv4 CIDR such as 10.0.0.0/16")).refine((s) => parseCidr(s) !== undefined, "must be an IPv4 CIDR such as 10.0.0.0/16");
const duration = z.string().regex(/^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/, "must be a Go duration such as 30s, 1m or 1h");

export const eksConfigSchema = z.object({
  region: text("the AWS region, e.g. eu-west-1"),
  version: z.string().default("1.33"),
  vpcCidr: cidr,
  subnetCidrs: z.array(cidr, required("one CIDR per availability zone")).min(2, "must list at least 2 subnet CIDRs (EKS needs two availability zones)"),
  /** Defaults to `<region>a`, `<region>b`, … one per subnet. */
  availabilityZones: z.array(z.string().min(1)).optional(),
  nodeGroup: z.object({
    instanceTypes: z.array(z.string().min(1)).min(1, "must list at least one instance type").default(["t3.large"]),
    desiredSize: count("the number of nodes"),
    minSize: count("the fewest nodes"),
    maxSize: count("the most nodes"),
  }),
});

export const gkeConfigSchema = z.object({
  project: text("the GCP project id"),
  region: text("the GCP region, e.g. europe-west1"),
  version: z.string().optional(),
  subnetCidr: cidr,
  podsCidr: cidr,
  servicesCidr: cidr,
  nodePool: z.object({
    machineType: z.string().min(1).default("e2-standard-4"),
    /** Nodes per zone. */
    nodeCount: count("nodes per zone"),
  }),
});

export const onPremConfigSchema = z.object({
  /** SSH addresses; the first runs the k3s server, the others join as agents. */
  hosts: z.array(text("an SSH host name or address").regex(/^[A-Za-z0-9][A-Za-z0-9.:-]*$/, "must be a host name or IP address"), required("the SSH hosts; the first is the k3s server")).min(1, "must list at least one SSH host (the first runs the k3s server)"),
  user: text("the SSH user"),
  /** Private key (PEM); kept as a Pulumi secret. */
  privateKey: text("the SSH private key (set it as a secret)"),
  port: z.number().int().min(1).max(65535).default(22),
  k3sVersion: z.string().regex(/^v[0-9]+\.[0-9]+\.[0-9]+\+k3s[0-9]+$/, "must be a k3s release such as v1.33.5+k3s1").default("v1.33.5+k3s1"),
});

/**
 * Flux's own settings on a destination (validated with the platform config): `interval` of its sources and
 * destination-level Kustomizations, `retryInterval` after a failed apply, `timeout` of an apply, the same
 * for each request's Kustomization and GitRepository (`request*`), the controllers' `--concurrent`
 * workers, and `isolated` (default true: each request is its own Flux source, so a commit reconciles only
 * what it changed; false: one shared source, every request reconciled on every commit).
 */
export const fluxConfigSchema = z
  .object({
    interval: duration.default("1m"),
    retryInterval: duration.optional(),
    timeout: duration.optional(),
    requestInterval: duration.optional(),
    requestRetryInterval: duration.optional(),
    requestTimeout: duration.optional(),
    concurrency: z
      .object({
        source: z.number().int("must be a whole number").min(1, "must be at least 1").max(100, "must be at most 100").optional(),
        kustomize: z.number().int("must be a whole number").min(1, "must be at least 1").max(100, "must be at most 100").optional(),
      })
      .strict()
      .optional(),
    isolated: z.boolean().default(true),
  })
  .strict();

const DNS1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const destinationConfigSchema = z.object({
  name: z.string(required("a DNS-1123 name")).regex(DNS1123, "must be a DNS-1123 label").max(50, "must be at most 50 characters"),
  kind: z.enum(["eks", "gke", "onprem", "platform"], "must be one of eks, gke, onprem, platform"),
  labels: z.record(z.string(), z.string()).default({}),
  path: z.string().optional(),
  strictMatchLabels: z.boolean().default(false),
  eks: eksConfigSchema.optional(),
  gke: gkeConfigSchema.optional(),
  onprem: onPremConfigSchema.optional(),
  flux: fluxConfigSchema.default({ interval: "1m", isolated: true }),
});

export const stateStoreConfigSchema = z.object({
  name: z.string().regex(DNS1123, "must be a DNS-1123 label").default("default"),
  url: z.string(required("the State Store's Git URL")).regex(/^(https?|ssh):\/\//, "must be an http(s):// or ssh:// Git URL"),
  branch: z.string().min(1).default("main"),
  path: z.string().default(""),
  username: text("the Git user Flux authenticates as"),
  password: text("the Git password or token (set it as a secret)"),
});

export const topologyConfigSchema = z.object({
  stateStore: stateStoreConfigSchema,
  destinations: z.array(destinationConfigSchema).min(1, "must list at least one destination"),
});

export type EksConfig = z.output<typeof eksConfigSchema>;
export type GkeConfig = z.output<typeof gkeConfigSchema>;
export type OnPremConfig = z.output<typeof onPremConfigSchema>;
export type FluxConfig = z.output<typeof fluxConfigSchema>;
export type FluxConfigInput = z.input<typeof fluxConfigSchema>;
export type DestinationConfig = z.output<typeof destinationConfigSchema>;
export type StateStoreConfig = z.output<typeof stateStoreConfigSchema>;
export type TopologyConfig = z.output<typeof topologyConfigSchema>;
export type EksConfigInput = z.input<typeof eksConfigSchema>;
export type GkeConfigInput = z.input<typeof gkeConfigSchema>;
export type OnPremConfigInput = z.input<typeof onPremConfigSchema>;
export type TopologyConfigInput = z.input<typeof topologyConfigSchema>;
export type ClusterKind = "eks" | "gke" | "onprem";

// ---- CIDR arithmetic (IPv4) ----
export interface Cidr {
  text: string;
  start: number;
  /** Last address, inclusive. */
  end: number;
}

/** Parses `a.b.c.d/n` (host bits must be zero); undefined when it is not one. */
export function parseCidr(s: unknown): Cidr | undefined {
  if (typeof s !== "string") return undefined;
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(s);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits > 32) return undefined;
  const addr = octets.reduce((a, o) => a * 256 + o, 0);
  const size = 2 ** (32 - bits);
  if (addr % size !== 0) return undefined;
  return { text: s, start: addr, end: addr + size - 1 };
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.start <= b.end && b.start <= a.end;
}

export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  return outer.start <= inner.start && inner.end <= outer.end;
}

/** `["destinations", 1, "eks", "region"]` → `destinations[1].eks.region`. */
export function formatKeyPath(path: readonly (string | number | symbol)[]): string {
  return path.reduce<string>((s, p) => (typeof p === "number" ? `${s}[${p}]` : s ? `${s}.${String(p)}` : String(p)), "");
}

/** Which cluster block a destination is provisioned from (a `platform` destination uses the one it has). */
export function clusterKindOf(d: Pick<DestinationConfig, "kind" | "eks" | "gke" | "onprem">): ClusterKind | undefined {
  if (d.kind !== "platform") return d.kind;
  const present = (["eks", "gke", "onprem"] as const).filter((k) => d[k] !== undefined);
  return present.length === 1 ? present[0] : undefined;
}

/** The named network ranges of one destination, with their key paths. */
function ranges(d: DestinationConfig, i: number): { path: (string | number)[]; cidr: Cidr }[] {
  const out: { path: (string | number)[]; cidr: Cidr }[] = [];
  const add = (path: (string | number)[], s: string) => {
    const c = parseCidr(s);
    if (c) out.push({ path: ["destinations", i, ...path], cidr: c });
  };
  if (d.eks) add(["eks", "vpcCidr"], d.eks.vpcCidr);
  if (d.gke) {
    add(["gke", "subnetCidr"], d.gke.subnetCidr);
    add(["gke", "podsCidr"], d.gke.podsCidr);
    add(["gke", "servicesCidr"], d.gke.servicesCidr);
  }
  return out;
}

/** Checks that pass the schema but not the topology: kinds, node counts, CIDR overlaps, names and paths. */
export function topologyIssues(cfg: TopologyConfig): FieldIssue[] {
  const issues: FieldIssue[] = [];
  cfg.destinations.forEach((d, i) => {
    const at = (...p: (string | number)[]) => ["destinations", i, ...p];
    const kind = clusterKindOf(d);
    if (d.kind === "platform" && !kind) issues.push({ path: at("kind"), message: "platform needs exactly one of eks, gke or onprem to say how it is provisioned" });
    if (kind && !d[kind]) issues.push({ path: at(kind), message: `is required for kind ${d.kind}` });
    for (const other of ["eks", "gke", "onprem"] as const) {
      if (other !== kind && d[other] !== undefined) issues.push({ path: at(other), message: `must not be set for kind ${d.kind}` });
    }
    if (d.eks) {
      const { minSize, desiredSize, maxSize } = d.eks.nodeGroup;
      if (minSize > maxSize) issues.push({ path: at("eks", "nodeGroup", "minSize"), message: `must not exceed maxSize (${maxSize})` });
      if (desiredSize < minSize || desiredSize > maxSize) issues.push({ path: at("eks", "nodeGroup", "desiredSize"), message: `must be between minSize (${minSize}) and maxSize (${maxSize})` });
      const azs = d.eks.availabilityZones;
      if (azs && azs.length !== d.eks.subnetCidrs.length) issues.push({ path: at("eks", "availabilityZones"), message: "must list one zone per subnet CIDR" });
      const vpc = parseCidr(d.eks.vpcCidr);
      const subnets = d.eks.subnetCidrs.map(parseCidr);
      subnets.forEach((s, j) => {
        if (!s || !vpc) return;
        if (!cidrContains(vpc, s)) issues.push({ path: at("eks", "subnetCidrs", j), message: `${s.text} is not inside vpcCidr ${vpc.text}` });
        subnets.slice(0, j).forEach((o, k) => {
          if (o && cidrsOverlap(o, s)) issues.push({ path: at("eks", "subnetCidrs", j), message: `${s.text} overlaps subnetCidrs[${k}] ${o.text}` });
        });
      });
    }
    const mine = ranges(d, i);
    mine.forEach((r, j) => {
      for (const o of mine.slice(0, j)) {
        if (cidrsOverlap(o.cidr, r.cidr)) issues.push({ path: r.path, message: `${r.cidr.text} overlaps ${formatKeyPath(o.path)} ${o.cidr.text}` });
      }
      for (const [k, prev] of cfg.destinations.slice(0, i).entries()) {
        for (const o of ranges(prev, k)) {
          if (cidrsOverlap(o.cidr, r.cidr)) issues.push({ path: r.path, message: `${r.cidr.text} overlaps ${formatKeyPath(o.path)} ${o.cidr.text} (networks of destinations must not overlap)` });
        }
      }
    });
  });
  const specs = cfg.destinations.map((d) => toDestinationSpec(d, cfg.stateStore.name));
  issues.push(...validateDestinations(specs).map((x) => ({ ...x, path: ["destinations", ...x.path] })));
  return issues;
}

/** The Destination a config entry registers as. */
export function toDestinationSpec(d: DestinationConfig, stateStore: string): ResolvedDestination {
  return { name: d.name, labels: { ...d.labels }, path: d.path ?? d.name, strictMatchLabels: d.strictMatchLabels, stateStore };
}

/** Every issue of `input` (schema, then topology checks), each naming its key path. */
export function topologyConfigIssues(input: unknown): FieldIssue[] {
  const parsed = topologyConfigSchema.safeParse(input);
  if (!parsed.success) return parsed.error.issues.map((i) => ({ path: i.path.map((p) => (typeof p === "symbol" ? String(p) : p)), message: i.message }));
  return topologyIssues(parsed.data);
}

/** Parses and validates a topology config; throws a ValidationError listing `key.path: problem` for each issue. */
export function parseTopologyConfig(input: unknown): TopologyConfig {
  const issues = topologyConfigIssues(input);
  if (issues.length) {
    throw new ValidationError(`invalid topology config: ${issues.map((i) => `${formatKeyPath(i.path)}: ${i.message}`).join("; ")}`, issues, "InvalidTopologyConfig");
  }
  return topologyConfigSchema.parse(input);
}

// ---- arguments shared by the cluster Destination components ----
/** How a provisioned cluster registers as a Destination. */
export interface DestinationRegistration {
  name: string;
  labels?: Record<string, string>;
  /** Directory in the State Store; defaults to `name`. */
  path?: string;
  strictMatchLabels?: boolean;
}

/** The State Store Flux on the cluster reads; username/password may be Outputs and are kept secret. */
export interface StateStoreArgs {
  name?: string;
  url: string;
  branch?: string;
  path?: string;
  username: string | import("@pulumi/pulumi").Output<string>;
  password: string | import("@pulumi/pulumi").Output<string>;
}

/** The State Store as FluxBootstrap takes it (branch defaulted; credentials passed through). */
export function fluxStateStore(s: StateStoreArgs): { url: string; branch: string; path?: string; username: StateStoreArgs["username"]; password: StateStoreArgs["password"] } {
  return { url: s.url, branch: s.branch ?? "main", path: s.path, username: s.username, password: s.password };
}

/**
 * Validates one cluster Destination's arguments with the same rules as a topology config and throws a
 * ValidationError whose paths start at the component's args (`eks.region`, `registration.name`, …).
 */
export function assertClusterArgs(kind: ClusterKind, registration: DestinationRegistration, cluster: unknown, stateStore: StateStoreArgs, flux?: unknown): DestinationConfig {
  const probe = {
    stateStore: { ...stateStore, username: typeof stateStore.username === "string" ? stateStore.username : "(output)", password: "(secret)" },
    destinations: [{ ...registration, kind, [kind]: cluster, ...(flux === undefined ? {} : { flux }) }],
  };
  const issues = topologyConfigIssues(probe).map((i) => {
    const [head, idx, ...rest] = i.path;
    if (head !== "destinations" || idx !== 0) return i;
    const first = rest[0];
    const message = i.message.split("destinations[0].").join("");
    return { path: first === kind || first === "flux" ? rest : ["registration", ...rest], message };
  });
  if (issues.length) {
    throw new ValidationError(`invalid ${kind} destination "${registration.name}": ${issues.map((i) => `${formatKeyPath(i.path)}: ${i.message}`).join("; ")}`, issues, "InvalidDestinationArgs");
  }
  return topologyConfigSchema.parse(probe).destinations[0];
}
