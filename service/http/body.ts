/**
 * Reading a request body with a hard size limit: a declared Content-Length over the limit is refused
 * before anything is read; a streamed body stops being read (and nothing more is kept) as soon as the
 * limit is passed.
 */
import type { IncomingMessage } from "node:http";
import { PayloadTooLargeError } from "../../components/errors";
import { DEFAULT_API_LIMITS, limitKey } from "./limits";

export const DEFAULT_MAX_BODY_BYTES = DEFAULT_API_LIMITS.maxBodyBytes;

function tooLarge(max: number, seen: number | string): PayloadTooLargeError {
  return new PayloadTooLargeError(`request body is larger than the ${max}-byte limit (${limitKey("maxBodyBytes")}); split the documents into several requests`, {
    limitBytes: max,
    receivedBytes: seen,
  });
}

export interface ReadBodyResult {
  body: Buffer;
}

/** Reads the whole body (≤ `max` bytes). On overflow it rejects at once and stops consuming the stream. */
export function readBody(req: IncomingMessage, max: number = DEFAULT_MAX_BODY_BYTES): Promise<Buffer> {
  const declared = req.headers["content-length"];
  if (declared !== undefined && Number(declared) > max) {
    return Promise.reject(tooLarge(max, Number(declared)));
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err: Error | undefined): void => {
      if (done) return;
      done = true;
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("close", onClose);
      if (err) reject(err);
      else resolve(Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > max) {
        chunks.length = 0;
        req.pause();
        finish(tooLarge(max, `more than ${max}`));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => finish(undefined);
    const onError = (e: Error): void => finish(e);
    const onClose = (): void => finish(new Error("client closed the connection before the body was complete"));
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("close", onClose);
  });
}
