/** Errors of the SOPS format: stable codes, a message that names the value or file and the fix. */
import { PlinthError } from "../../errors";

export class SopsError extends PlinthError {
  constructor(code: string, message: string, details?: unknown) {
    super(code, message, details, 422);
  }
}
