/**
 * Pure builders for the service's PostgreSQL on Amazon RDS: checked arguments, the security group (Postgres
 * only from the cluster's VPC), the subnet group and the instance (encrypted, private, Multi-AZ by default,
 * backups kept, deletion protected), and the connection URL. RdsPostgres only wires these together.
 */
import { z } from "zod";
import { ValidationError, formatIssues, type FieldIssue } from "../errors";

export const rdsConfigSchema = z.object({
  instanceClass: z.string().regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, "must be an RDS instance class such as db.t4g.medium").default("db.t4g.medium"),
  engineVersion: z.string().regex(/^[0-9]+(\.[0-9]+)?$/, "must be a PostgreSQL major (or major.minor) version such as 17").default("17"),
  /** GiB. */
  allocatedStorage: z.number().int().min(20, "must be at least 20 (GiB)").max(65536).default(20),
  /** Storage autoscaling up to this many GiB. */
  maxAllocatedStorage: z.number().int().min(20).max(65536).default(100),
  multiAz: z.boolean().default(true),
  dbName: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, "must be a PostgreSQL identifier such as plinth").default("plinth"),
  username: z.string().regex(/^[a-z][a-z0-9_]{0,15}$/, "must start with a letter, at most 16 lowercase letters, digits, _").refine((u) => u !== "admin" && u !== "postgres" && u !== "rdsadmin", "is reserved by RDS; use e.g. plinth").default("plinth"),
  /** The master password (set it with `pulumi config set --secret`). */
  password: z
    .string({ error: "is required: the database password, set as a secret (pulumi config set --secret --path 'plinth:database.rds.password' …)" })
    .min(16, "must be at least 16 characters")
    .max(128, "must be at most 128 characters")
    .refine((p) => !/[/@"\s]/.test(p), "must not contain /, @, \" or spaces (RDS refuses them)"),
  backupRetentionDays: z.number().int().min(1, "must be at least 1 (point-in-time recovery)").max(35).default(7),
  deletionProtection: z.boolean().default(true),
});

export type RdsConfigInput = z.input<typeof rdsConfigSchema>;
export type RdsConfig = z.output<typeof rdsConfigSchema>;

export const POSTGRES_PORT = 5432;

/** Checks the arguments (password never echoed); throws ValidationError `InvalidDatabaseArgs`. */
export function checkRdsConfig(name: string, input: unknown, subnetCount = 2): RdsConfig {
  const res = rdsConfigSchema.safeParse(input);
  const issues: FieldIssue[] = [];
  if (!/^[a-z][a-z0-9-]{0,40}$/.test(name) || name.endsWith("-")) issues.push({ path: ["name"], message: "must start with a letter: lowercase letters, digits and '-', at most 41" });
  if (!res.success) for (const i of res.error.issues) issues.push({ path: i.path.map((p) => (typeof p === "symbol" ? String(p) : p)), message: i.message });
  if (subnetCount < 2) issues.push({ path: ["subnetIds"], message: "must list at least 2 subnets in different availability zones (an RDS subnet group needs two)" });
  if (res.success && res.data.maxAllocatedStorage < res.data.allocatedStorage) issues.push({ path: ["maxAllocatedStorage"], message: `must be at least allocatedStorage (${res.data.allocatedStorage})` });
  if (issues.length) throw new ValidationError(`invalid RDS database "${name}": ${formatIssues(issues)}`, issues, "InvalidDatabaseArgs");
  return res.data!;
}

function tags(name: string): Record<string, string> {
  return { Name: name, "managed-by": "plinth", "plinth.dev/component": "database" };
}

/** Postgres from inside the VPC only; no egress (the database calls nobody). */
export function securityGroupArgs<V>(name: string, vpcId: V, vpcCidr: string) {
  return {
    vpcId,
    description: `PostgreSQL of Plinth (${name}) from the platform cluster's VPC`,
    ingress: [{ protocol: "tcp", fromPort: POSTGRES_PORT, toPort: POSTGRES_PORT, cidrBlocks: [vpcCidr], description: "PostgreSQL from the VPC" }],
    egress: [],
    tags: tags(name),
  };
}

export function subnetGroupArgs<S>(name: string, subnetIds: S) {
  return { name: `${name}-subnets`, description: `Subnets of Plinth's database ${name}`, subnetIds, tags: tags(name) };
}

export function instanceArgs<P, G, S>(name: string, c: RdsConfig, password: P, subnetGroupName: G, securityGroupIds: S) {
  return {
    identifier: name,
    engine: "postgres",
    engineVersion: c.engineVersion,
    instanceClass: c.instanceClass,
    allocatedStorage: c.allocatedStorage,
    maxAllocatedStorage: c.maxAllocatedStorage,
    storageType: "gp3",
    storageEncrypted: true,
    dbName: c.dbName,
    username: c.username,
    password,
    port: POSTGRES_PORT,
    dbSubnetGroupName: subnetGroupName,
    vpcSecurityGroupIds: securityGroupIds,
    publiclyAccessible: false,
    multiAz: c.multiAz,
    backupRetentionPeriod: c.backupRetentionDays,
    deletionProtection: c.deletionProtection,
    skipFinalSnapshot: false,
    finalSnapshotIdentifier: `${name}-final`,
    copyTagsToSnapshot: true,
    autoMinorVersionUpgrade: true,
    applyImmediately: false,
    tags: tags(name),
  };
}

/** `postgres://user:password@host:port/db?sslmode=require` (the password URL-encoded). */
export function databaseUrl(c: Pick<RdsConfig, "username" | "dbName">, password: string, address: string, port: number): string {
  return `postgres://${encodeURIComponent(c.username)}:${encodeURIComponent(password)}@${address}:${port}/${c.dbName}?sslmode=require`;
}
