/** Open event streams per bearer token: a token may hold `max` at once; one more is a 429 `TooManyStreams`. */
import * as crypto from "node:crypto";
import { TooManyRequestsError } from "../../components/errors";
import { limitKey } from "./limits";

export class StreamCounter {
  /** By SHA-256 of the token: the token itself is never kept. */
  private readonly open_ = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** Counts one stream of `token` (or throws); the returned function releases it (once). */
  open(token: string, team: string): () => void {
    const key = crypto.createHash("sha256").update(token).digest("hex");
    const n = this.open_.get(key) ?? 0;
    if (n >= this.max) {
      throw new TooManyRequestsError(
        `this token already has ${n} event streams open, the limit (${limitKey("maxStreamsPerToken")}) is ${this.max}: close one (or use ?until=ready so streams end) and retry`,
        { retryAfterSeconds: 5, limit: this.max, team },
        "TooManyStreams",
      );
    }
    this.open_.set(key, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open_.get(key) ?? 1) - 1;
      if (left <= 0) this.open_.delete(key);
      else this.open_.set(key, left);
    };
  }

  /** Streams open now, all tokens together. */
  total(): number {
    let n = 0;
    for (const v of this.open_.values()) n += v;
    return n;
  }
}
