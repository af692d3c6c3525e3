/**
 * RdsPostgres: the shared-mode service's PostgreSQL on Amazon RDS inside the platform cluster's VPC: a
 * security group (Postgres from the VPC only), a DB subnet group over the cluster's subnets and an
 * encrypted, private instance. `url` is a Pulumi secret. Arguments are checked before anything is created.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as b from "./rds-plan";

export const RDS_POSTGRES_TYPE = "plinth:database:RdsPostgres";

export interface RdsPostgresArgs extends Omit<b.RdsConfigInput, "password"> {
  /** Set it as a secret; kept secret in state. */
  password: pulumi.Input<string>;
  vpcId: pulumi.Input<string>;
  vpcCidr: string;
  /** At least two, in different availability zones. */
  subnetIds: pulumi.Input<string>[];
}

export class RdsPostgres extends pulumi.ComponentResource {
  /** `postgres://…?sslmode=require` (secret). */
  public readonly url: pulumi.Output<string>;
  public readonly address: pulumi.Output<string>;

  constructor(name: string, args: RdsPostgresArgs, opts?: pulumi.ComponentResourceOptions) {
    const { password, vpcId, vpcCidr, subnetIds, ...rest } = args;
    // A plain password is checked with the rest; an Output is checked by RDS itself.
    const cfg = b.checkRdsConfig(name, { ...rest, password: typeof password === "string" ? password : "x".repeat(16) }, subnetIds.length);
    super(RDS_POSTGRES_TYPE, name, {}, opts);
    const p = { parent: this };
    const secretPassword = pulumi.secret(password);
    const sg = new aws.ec2.SecurityGroup(`${name}-sg`, b.securityGroupArgs(name, vpcId, vpcCidr), p);
    const subnets = new aws.rds.SubnetGroup(`${name}-subnets`, b.subnetGroupArgs(name, subnetIds), p);
    const instance = new aws.rds.Instance(name, b.instanceArgs(name, cfg, secretPassword, subnets.name, [sg.id]), p);
    this.address = instance.address;
    this.url = pulumi.secret(pulumi.all([secretPassword, instance.address, instance.port]).apply(([pw, address, port]) => b.databaseUrl(cfg, pw, address, port)));
    this.registerOutputs({ url: this.url, address: this.address });
  }
}
