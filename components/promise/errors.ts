/** A pulumi.ResourceError that keeps Plinth's error data (code, details, HTTP status). */
import * as pulumi from "@pulumi/pulumi";
import { PlinthError, type ErrorData } from "../errors";

export class PlinthResourceError extends pulumi.ResourceError {
  readonly code: string;
  readonly details: unknown;
  readonly status: number;
  constructor(err: PlinthError, resource: pulumi.Resource | undefined) {
    super(err.message, resource, true);
    this.name = "PlinthResourceError";
    this.code = err.code;
    this.details = err.details;
    this.status = err.status;
  }
  toJSON(): ErrorData {
    return this.details === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, details: this.details };
  }
}

/** Any error as a ResourceError of `resource`; Plinth errors keep their code and details. */
export function asResourceError(err: unknown, resource: pulumi.Resource | undefined): pulumi.ResourceError {
  if (err instanceof pulumi.ResourceError) return err;
  if (err instanceof PlinthError) return new PlinthResourceError(err, resource);
  return new PlinthResourceError(new PlinthError("Internal", err instanceof Error ? err.message : String(err)), resource);
}
