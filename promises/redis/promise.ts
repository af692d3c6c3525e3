/**
 * `redis`: the Kratix Marketplace Redis API (marketplace.kratix.io/v1alpha1 `redis`: size small|large) on
 * the Spotahome Redis Operator. Dependencies: the operator's Helm chart through Flux, pinned. A request
 * renders a `databases.spotahome.com/v1 RedisFailover` whose Redis and Sentinel replicas follow the size.
 */
import { z } from "zod";
import { definePromise, promiseLabels, statusOutputs, type K8sObject } from "../../components/promise";
import { helmChartConfig, helmChartDependencies } from "../../components/promise/flux";

export const redisSpec = z.object({
  /** `small`: one replica; `large`: three (Kratix semantics; the numbers are organisation config). */
  size: z.enum(["small", "large"]).default("small"),
});

const replicas = z.object({
  redis: z.number().int().min(1, "must be at least 1").max(9),
  sentinel: z.number().int().min(1, "must be at least 1").max(9),
});

export const redisConfig = z.object({
  operator: helmChartConfig({
    namespace: "redis-operator",
    repository: "https://spotahome.github.io/redis-operator",
    chart: "redis-operator",
    version: "3.3.0",
  }),
  sizes: z
    .object({
      small: replicas.default({ redis: 1, sentinel: 1 }),
      large: replicas.default({ redis: 3, sentinel: 3 }),
    })
    .prefault({}),
  /** Redis image; the operator's default when omitted. */
  image: z.string().min(1).optional(),
});
export type RedisConfig = z.output<typeof redisConfig>;

const LABELS = promiseLabels("redis");

export interface RedisStatus extends Record<string, unknown> {
  instanceName: string;
  replicas: number;
  /** The operator's Sentinel service; clients ask it for the current master. */
  sentinel: string;
}

/** The `databases.spotahome.com/v1 RedisFailover` of one request. */
export function redisFailover(args: { name: string; namespace: string; size: "small" | "large"; config: RedisConfig }): K8sObject {
  const r = args.config.sizes[args.size];
  const redis: Record<string, unknown> = { replicas: r.redis };
  if (args.config.image) redis.image = args.config.image;
  return {
    apiVersion: "databases.spotahome.com/v1",
    kind: "RedisFailover",
    metadata: { name: args.name, namespace: args.namespace, labels: { ...LABELS, "plinth.dev/size": args.size } },
    spec: { redis, sentinel: { replicas: r.sentinel } },
  };
}

export const redisPromise = definePromise({
  name: "redis",
  version: "0.1.0",
  description: "Redis with Sentinel failover on the Spotahome Redis Operator (Kratix Marketplace API)",
  api: { group: "marketplace.kratix.io", version: "v1alpha1", kind: "redis", plural: "redis", spec: redisSpec },
  config: redisConfig,
  dependencies: ({ config }) => helmChartDependencies({ release: "redis-operator", chart: config.operator, labels: { "plinth.dev/promise": "redis" } }),
  configure: ({ object, config }) => {
    const { name, namespace } = object.metadata;
    const status: RedisStatus = { instanceName: name, replicas: config.sizes[object.spec.size].redis, sentinel: `rfs-${name}.${namespace}.svc.cluster.local:26379` };
    return { files: { "redis-instance.yaml": redisFailover({ name, namespace, size: object.spec.size, config }) }, status };
  },
  configureStep: "redis-failover",
  outputs: statusOutputs<RedisStatus>()("instanceName", "sentinel"),
});
