/**
 * Request events (queued, status, step output, deleted): one channel per request stack, and every event
 * also on an all-requests channel; `watchVisible` filters that by what a caller may see.
 */
import { EventEmitter } from "node:events";
import { stackNameOf } from "./keys";
import { keyOf, type RequestStore } from "./store";
import { visible } from "./visibility";
import type { Caller, RequestEvent, RequestKey } from "./types";
import type { EventRelay } from "./options";

/** The channel every request's events are also sent on (stack names never start with a space). */
const ALL_EVENTS = " all";

export class RequestEvents {
  private readonly emitter = new EventEmitter();

  /**
   * `resourceVersionOf` stamps each event with the request's version at the time. With a `relay` (shared
   * mode) every event also goes to the other replicas, and theirs come here (`relayed`).
   */
  constructor(
    private readonly resourceVersionOf: (stack: string) => string | undefined,
    private readonly relay?: EventRelay,
    private readonly log: (line: string) => void = () => undefined,
  ) {
    this.emitter.setMaxListeners(0);
  }

  emit(stack: string, e: Omit<RequestEvent, "time">): void {
    const resourceVersion = this.resourceVersionOf(stack);
    const event = { ...e, time: new Date().toISOString(), ...(resourceVersion ? { resourceVersion } : {}) };
    this.deliver(stack, event);
    this.relay?.send(stack, event).catch((err: Error) => this.log(`event of ${stack} not relayed to the other replicas: ${err.message}`));
  }

  /** Starts taking the other replicas' events (shared mode). */
  async relayed(): Promise<void> {
    await this.relay?.subscribe((stack, event) => this.deliver(stack, event));
  }

  private deliver(stack: string, event: RequestEvent): void {
    this.emitter.emit(stack, event);
    this.emitter.emit(ALL_EVENTS, stack, event);
  }

  /** Events of one request stack; returns the unsubscribe. */
  on(stack: string, listener: (e: RequestEvent) => void): () => void {
    this.emitter.on(stack, listener);
    return () => this.emitter.off(stack, listener);
  }

  /**
   * Progress of every request `caller` may see (the portal's live list). A request's events reach the
   * listener while it is visible; its `deleted` event too, when it was visible before. `kindOf` maps a
   * stack's lower-case kind back to the Promise's kind.
   */
  watchVisible(store: RequestStore, caller: Caller, kindOf: (kind: string) => string, listener: (key: RequestKey, e: RequestEvent) => void): () => void {
    const seen = new Set(store.all().filter((r) => visible(r, caller)).map((r) => stackNameOf(keyOf(r))));
    const onEvent = (stack: string, e: RequestEvent): void => {
      const rec = store.getByStack(stack);
      if (rec && visible(rec, caller)) {
        seen.add(stack);
        listener(keyOf(rec), e);
      } else if (e.type === "deleted" && seen.delete(stack)) {
        const [namespace, kind, name] = stack.split(".");
        listener({ namespace, kind: kindOf(kind), name }, e);
      }
    };
    this.emitter.on(ALL_EVENTS, onEvent);
    return () => this.emitter.off(ALL_EVENTS, onEvent);
  }
}
