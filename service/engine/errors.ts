import { HTTP_STATUS, PlinthError } from "../../components/errors";

/** The engine (Pulumi CLI) failed to run or refused an operation. */
export class EngineError extends PlinthError {
  constructor(message: string, details?: unknown, code = "EngineFailed") {
    super(code, message, details, HTTP_STATUS.internal);
  }
}
