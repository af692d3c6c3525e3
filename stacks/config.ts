/**
 * The platform stack's configuration (namespace `plinth`), validated with zod before any resource is
 * created. Every issue names its key path, e.g. `plinth:destinations[1].name`.
 */
import { z } from "zod";
import { ValidationError, formatIssues, type FieldIssue } from "../components/errors";
import { isDns1123Label } from "../components/vocabulary/names";
import { validateDestinations, type DestinationSpec } from "../components/vocabulary/destination";
import { fluxConfigSchema, parseTopologyConfig, topologyConfigIssues, type TopologyConfig } from "../destinations/cluster-config";
import { DEFAULT_API_LIMITS } from "../service/http/limits";
import { DEFAULT_MAX_IN_FLIGHT_PER_TEAM } from "../service/core/queue";
import { sha256Hex } from "../service/core/auth";
import { databaseConfigSchema, serviceConfigIssues, serviceConfigSchema } from "./service-config";

const dns = z.string().refine(isDns1123Label, { message: "must be a DNS-1123 label: lowercase letters, digits and '-', at most 63, e.g. team-a" });

export const stateStoreSchema = z
  .object({
    name: dns,
    /** The embedded store: a bare repo under `.plinth/` served at `/git/<name>.git` by the platform server. */
    embedded: z.boolean().default(false),
    url: z.string().url({ message: "must be an http(s) Git URL, e.g. https://git.example.com/org/state.git" }).optional(),
    branch: z.string().min(1).default("main"),
    /** Path prefix inside the repository ("" = repository root). */
    path: z
      .string()
      .default("")
      .refine((p) => p === "" || p.split("/").every(isDns1123Label), { message: "must be empty or DNS-1123 labels joined by '/'" }),
    username: z.string().optional(),
    password: z.string().optional(),
    token: z.string().optional(),
  })
  .refine((s) => s.embedded || s.url, { message: "set url (a remote) or embedded: true", path: ["url"] });

export const destinationSchema = z.object({
  name: dns,
  /**
   * `local`: a path in the State Store only; `platform`: the platform itself; `local-cluster`: a real
   * kube-apiserver + Flux run on this machine by `npm start -- --cluster` (Flux applies the path).
   */
  kind: z.enum(["local", "platform", "local-cluster"], { message: "must be one of local, platform, local-cluster" }).default("local"),
  labels: z.record(z.string(), z.string()).default({}),
  path: z.string().optional(),
  /** local-cluster only: Flux's settings (destinations/cluster-config.ts `fluxConfigSchema`; Plinth also asks Flux to reconcile after each commit). */
  flux: fluxConfigSchema.optional(),
  /** Default: true for the platform destination (only work selecting it lands there), else false. */
  strictMatchLabels: z.boolean().optional(),
  /**
   * `kind: local` only: no age key, and Secrets are written in plaintext (dev only). Every other
   * destination gets an age key and Secrets are SOPS-encrypted to it.
   */
  allowPlaintextSecrets: z.boolean().default(false),
  /** `false`: no age key for this destination (a Secret sent there is refused unless allowPlaintextSecrets). */
  sopsKey: z.boolean().optional(),
  /** Bump (0, 1, 2, …) to rotate the destination's age key: everything it holds is re-encrypted in one commit. */
  sopsKeyRotation: z.number().int().min(0).optional(),
  stateStore: z.string().optional(),
});

export const promiseEntrySchema = z.object({
  name: dns,
  config: z.record(z.string(), z.unknown()).default({}),
  /**
   * What removing this Promise from config does to its requests: `Block` (default) fails the `up` naming
   * them; `Cascade` deletes them (delete workflow, files, stacks) first, then the Promise's Dependencies.
   */
  deletionPolicy: z.enum(["Block", "Cascade"]).default("Block"),
  /**
   * How its workflows are retried: `limit` attempts of a failing configure run before the request is
   * Stalled (a failing delete workflow is retried without limit), waiting `initialDelay`, doubling up to
   * `maxDelay` (Go durations such as 500ms, 10s, 5m).
   */
  backoff: z
    .object({
      limit: z.number().int().min(1, { message: "must be at least 1" }).default(4),
      initialDelay: z.string().regex(/^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/, "must be a Go duration such as 500ms, 1s or 1m").default("1s"),
      maxDelay: z.string().regex(/^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/, "must be a Go duration such as 30s, 5m or 1h").default("5m"),
    })
    .optional(),
  /** Extra Kratix destination selectors the platform team adds to the Promise's own (ANDed). */
  destinationSelectors: z.array(z.object({ matchLabels: z.record(z.string(), z.string()) })).default([]),
});

export const teamSchema = z.object({
  name: dns.refine((n) => n !== "platform", { message: '"platform" is reserved for the platform itself (compound Promises\' children); choose another team name' }),
  namespaces: z
    .array(
      z.union([
        // The platform's own namespaces are never a team's: owning them would undo the Flux lockdown.
        dns.refine((n) => n !== "flux-system" && !n.startsWith("kube-"), { message: "flux-system and kube-* are the platform's namespaces, never a team's" }),
        z.literal("*"),
      ]),
    )
    .min(1, { message: "must list at least one namespace the team may use" }),
  /** Bearer token of the team (a Pulumi secret in real stacks). */
  token: z.string().min(16, { message: "must be at least 16 characters" }).optional(),
  /** Or only the token's SHA-256 (hex), so the config never holds the token itself. */
  tokenSha256: z.string().regex(/^[0-9a-f]{64}$/, { message: "must be 64 lowercase hex digits" }).optional(),
});

const positive = (min: number, def: number) => z.number().int().min(min, { message: `must be a whole number >= ${min}` }).default(def);

/** Limits of the API (README "Limits"): each refused with a clear error, nothing written. */
export const limitsSchema = z
  .object({
    maxBodyBytes: positive(1024, DEFAULT_API_LIMITS.maxBodyBytes),
    maxDocuments: positive(1, DEFAULT_API_LIMITS.maxDocuments),
    maxDepth: positive(8, DEFAULT_API_LIMITS.maxDepth),
    maxAliases: positive(0, DEFAULT_API_LIMITS.maxAliases),
    maxStreamsPerToken: positive(1, DEFAULT_API_LIMITS.maxStreamsPerToken),
    maxInFlightPerTeam: positive(1, DEFAULT_MAX_IN_FLIGHT_PER_TEAM),
  })
  .strict()
  .prefault({});

export type LimitsConfig = z.output<typeof limitsSchema>;

export const platformConfigSchema = z.object({
  /**
   * Provisioned clusters (EKS, GKE, on-prem/edge k3s, the platform cluster) with Flux bootstrapped: the
   * topology config of `destinations/cluster-config.ts`. Each also registers as a destination.
   */
  clusters: z.unknown().optional(),
  stateStores: z.array(stateStoreSchema).min(1, { message: "configure at least one State Store" }),
  destinations: z.array(destinationSchema).default([]),
  promises: z.array(promiseEntrySchema).default([]),
  teams: z.array(teamSchema).default([]),
  limits: limitsSchema,
  /** The request service on the platform cluster (stacks/service-config.ts); absent: nothing is deployed. */
  service: serviceConfigSchema.optional(),
  /** The service's PostgreSQL: `url` (a secret) or `rds`. */
  database: databaseConfigSchema.optional(),
});

export type PlatformConfig = z.output<typeof platformConfigSchema>;
export type StateStoreConfig = z.output<typeof stateStoreSchema>;
export type DestinationConfig = z.output<typeof destinationSchema>;

/** The keys read from stack config (`plinth:<key>`). */
export const CONFIG_KEYS = ["clusters", "stateStores", "destinations", "promises", "teams", "limits", "service", "database"] as const;

function keyPath(path: (string | number | symbol)[]): (string | number)[] {
  return path.map((p) => (typeof p === "symbol" ? String(p) : p));
}

/** Formats a path as a config key: `plinth:destinations[1].name`. */
export function configKey(path: (string | number)[]): string {
  const [head, ...rest] = path;
  let s = `plinth:${String(head ?? "")}`;
  for (const p of rest) s += typeof p === "number" ? `[${p}]` : `.${p}`;
  return s;
}

/** The validated cluster topology, when `clusters` is configured. */
export function clusterTopology(cfg: PlatformConfig): TopologyConfig | undefined {
  return cfg.clusters === undefined ? undefined : parseTopologyConfig(cfg.clusters);
}

/** Destinations as scheduling sees them (the first store is the default): path-only ones, then clusters. */
export function destinationSpecs(cfg: PlatformConfig): DestinationSpec[] {
  const defaultStore = cfg.stateStores[0].name;
  const clusters: DestinationSpec[] = (clusterTopology(cfg)?.destinations ?? []).map((d) => ({
    name: d.name,
    labels: d.kind === "platform" ? { environment: "platform", ...d.labels } : d.labels,
    path: d.path ?? d.name,
    strictMatchLabels: d.strictMatchLabels ?? d.kind === "platform",
    stateStore: defaultStore,
  }));
  return [...pathDestinations(cfg, defaultStore), ...clusters];
}

function pathDestinations(cfg: PlatformConfig, defaultStore: string): DestinationSpec[] {
  return cfg.destinations.map((d) => ({
    name: d.name,
    labels: d.kind === "platform" ? { environment: "platform", ...d.labels } : d.labels,
    path: d.path ?? d.name,
    strictMatchLabels: d.strictMatchLabels ?? d.kind === "platform",
    stateStore: d.stateStore ?? defaultStore,
    ...(d.allowPlaintextSecrets ? { secrets: { allowPlaintextSecrets: true } } : {}),
    ...(d.sopsKey === false ? { secrets: { ...(d.allowPlaintextSecrets ? { allowPlaintextSecrets: true } : {}), sopsKey: false } } : {}),
  }));
}

/**
 * Validates raw config values (objects as read from stack config) against the schema and the
 * cross-field rules (unique names, known stores and promises). Throws ValidationError naming every key.
 */
export function parsePlatformConfig(raw: Record<string, unknown>, known: { promises: readonly string[] }): PlatformConfig {
  const unknownKeys = Object.keys(raw).filter((k) => !(CONFIG_KEYS as readonly string[]).includes(k));
  if (unknownKeys.length) {
    const message = `unknown config key; Plinth reads ${CONFIG_KEYS.map((k) => `plinth:${k}`).join(", ")}`;
    throw configError(unknownKeys.map((k) => ({ path: [k], message })));
  }
  const res = platformConfigSchema.safeParse(raw);
  if (!res.success) {
    const issues: FieldIssue[] = res.error.issues.map((i) => ({ path: keyPath(i.path), message: i.message }));
    throw configError(issues);
  }
  const cfg = res.data;
  const issues: FieldIssue[] = [];
  if (cfg.clusters !== undefined) {
    for (const i of topologyConfigIssues(cfg.clusters)) issues.push({ ...i, path: ["clusters", ...i.path] });
    if (issues.length) throw configError(issues);
  }
  issues.push(...serviceConfigIssues(cfg));
  const storeNames = new Set<string>();
  cfg.stateStores.forEach((s, i) => {
    if (storeNames.has(s.name)) issues.push({ path: ["stateStores", i, "name"], message: `"${s.name}" is already the name of another State Store` });
    storeNames.add(s.name);
  });
  cfg.destinations.forEach((d, i) => {
    if (d.stateStore && !storeNames.has(d.stateStore))
      issues.push({ path: ["destinations", i, "stateStore"], message: `no State Store named "${d.stateStore}"; known: ${[...storeNames].join(", ")}` });
    if (d.sopsKeyRotation !== undefined && (d.sopsKey === false || d.allowPlaintextSecrets))
      issues.push({ path: ["destinations", i, "sopsKeyRotation"], message: "the destination has no age key to rotate; remove sopsKeyRotation" });
    if (d.allowPlaintextSecrets && d.sopsKey === true)
      issues.push({ path: ["destinations", i, "sopsKey"], message: "a destination that allows plaintext Secrets has no key; remove sopsKey or allowPlaintextSecrets" });
    if (d.sopsKey === false && d.kind === "local-cluster")
      issues.push({ path: ["destinations", i, "sopsKey"], message: "a local-cluster destination always has an age key (Flux decrypts its Secrets with it); remove sopsKey: false" });
    if (d.allowPlaintextSecrets && d.kind !== "local")
      issues.push({ path: ["destinations", i, "allowPlaintextSecrets"], message: `only a path-only dev destination (kind: local) may hold plaintext Secrets; remove it (Secrets to "${d.name}" are SOPS-encrypted)` });
  });
  for (const i of validateDestinations(destinationSpecs(cfg))) issues.push({ ...i, path: ["destinations", ...i.path] });
  const promiseNames = new Set<string>();
  cfg.promises.forEach((p, i) => {
    if (!known.promises.includes(p.name))
      issues.push({ path: ["promises", i, "name"], message: `unknown Promise "${p.name}"; the marketplace has: ${known.promises.join(", ")}` });
    if (promiseNames.has(p.name)) issues.push({ path: ["promises", i, "name"], message: `Promise "${p.name}" is listed twice` });
    promiseNames.add(p.name);
  });
  // Compared by SHA-256 (a `token` and a `tokenSha256` of the same token collide too); the token is never named.
  const owners = new Map<string, string>();
  cfg.teams.forEach((t, i) => {
    const hash = t.tokenSha256 ?? (t.token ? sha256Hex(t.token) : undefined);
    if (!hash) return;
    const other = owners.get(hash);
    if (other !== undefined) {
      issues.push({ path: ["teams", i, t.tokenSha256 ? "tokenSha256" : "token"], message: `teams "${other}" and "${t.name}" have the same token; give each team its own` });
    } else owners.set(hash, t.name);
  });
  if (issues.length) throw configError(issues);
  return cfg;
}

function configError(issues: FieldIssue[]): ValidationError {
  const named = issues.map((i) => ({ path: i.path, message: i.message, key: configKey(i.path) }));
  return new ValidationError(
    `invalid platform config: ${named.map((i) => `${i.key}: ${i.message}`).join("; ")}`,
    named.map(({ path, message }) => ({ path, message })),
    "InvalidPlatformConfig",
  );
}

export { formatIssues };
