export { redisPromise, redisSpec, redisConfig, redisFailover } from "./promise";
export type { RedisConfig } from "./promise";
