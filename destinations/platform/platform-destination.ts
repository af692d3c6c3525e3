import type * as pulumi from "@pulumi/pulumi";
import { LocalDestination, type LocalDestinationArgs } from "../local/local-destination";

/** Labels the platform destination always carries (compound Promises select it by them). */
export const PLATFORM_LABELS = { environment: "platform" } as const;

/**
 * The platform itself as a Destination: compound Promises write child requests here and the service's
 * platform agent reconciles them. Same registration as a local destination, plus the platform label.
 */
export class PlatformDestination extends LocalDestination {
  constructor(name: string, args: LocalDestinationArgs, opts?: pulumi.ComponentResourceOptions) {
    super(name, { ...args, spec: { ...args.spec, labels: { ...PLATFORM_LABELS, ...args.spec.labels } } }, opts, "plinth:platform:PlatformDestination");
  }
}
