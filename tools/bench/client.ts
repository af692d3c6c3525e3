/**
 * The bench's view of the request API, as an application team sees it: POST a TeamNamespace, then watch
 * its events (`…/events?until=ready`, SSE) until a status with Ready=True arrives. Because a watch does
 * not replay past events, the client also GETs the status once the stream is subscribed, so a request
 * that became Ready in between is not missed.
 */
import { outcomeOf } from "../../service/http/readiness";
import { nowMs } from "./stats";

export interface ApiClient {
  url: string;
  token: string;
}

export interface WrittenFile {
  path: string;
  commit: string;
  destination?: string;
}

export interface ReadyResult {
  /** nowMs() when the client learned the request is Ready. */
  readyAt: number;
  files: WrittenFile[];
}

interface StatusLike {
  conditions?: { type: string; status: string; message?: string }[];
  observedGeneration?: number;
  files?: WrittenFile[];
  message?: string;
}

export const KIND = "TeamNamespace";

export function requestBody(name: string): Record<string, unknown> {
  return { apiVersion: "plinth.dev/v1alpha1", kind: KIND, metadata: { name }, spec: { team: "bench" } };
}

const auth = (c: ApiClient) => ({ authorization: `Bearer ${c.token}` });

/** POST one request; throws unless the service answers 202. */
export async function submit(c: ApiClient, name: string): Promise<void> {
  const res = await fetch(`${c.url}/v1/requests`, {
    method: "POST",
    headers: { ...auth(c), "content-type": "application/json" },
    body: JSON.stringify(requestBody(name)),
  });
  const text = await res.text();
  if (res.status !== 202) throw new Error(`POST ${name}: expected 202, got ${res.status}: ${text.slice(0, 500)}`);
}

async function getStatus(c: ApiClient, name: string): Promise<StatusLike | undefined> {
  const res = await fetch(`${c.url}/v1/requests/default/${KIND}/${name}`, { headers: auth(c) });
  if (res.status !== 200) throw new Error(`GET ${name}: ${res.status}: ${(await res.text()).slice(0, 500)}`);
  return ((await res.json()) as { status?: StatusLike }).status;
}

/** Ready → the files; Stalled → throws with the request's message; otherwise undefined. */
function settle(name: string, status: StatusLike | undefined): WrittenFile[] | undefined {
  const outcome = outcomeOf(status as never, 1);
  if (outcome === "stalled") throw new Error(`${name} stalled: ${status?.message ?? "(no message)"}`);
  return outcome === "ready" ? (status?.files ?? []) : undefined;
}

/** Parses complete SSE frames out of `buffer`; answers the frames and the unconsumed rest. */
export function parseFrames(buffer: string): { frames: { event?: string; data?: string; comment?: string }[]; rest: string } {
  const parts = buffer.split("\n\n");
  const rest = parts.pop() ?? "";
  const frames = parts.map((block) => {
    const f: { event?: string; data?: string; comment?: string } = {};
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) f.comment = line.slice(1).trim();
      else if (line.startsWith("event: ")) f.event = line.slice(7);
      else if (line.startsWith("data: ")) f.data = (f.data === undefined ? "" : f.data + "\n") + line.slice(6);
    }
    return f;
  });
  return { frames, rest };
}

/** Resolves when `name` is Ready (as seen over SSE, or by the GET after subscribing). */
export async function waitReady(c: ApiClient, name: string, timeoutMs: number): Promise<ReadyResult> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new Error(`${name} not Ready after ${timeoutMs} ms`)), timeoutMs);
  try {
    const res = await fetch(`${c.url}/v1/requests/default/${KIND}/${name}/events?until=ready`, { headers: auth(c), signal: abort.signal });
    if (res.status !== 200 || !res.body) throw new Error(`watch ${name}: ${res.status}: ${(await res.text()).slice(0, 500)}`);
    const decoder = new TextDecoder();
    let buffer = "";
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      const parsed = parseFrames(buffer);
      buffer = parsed.rest;
      for (const f of parsed.frames) {
        if (f.comment === "subscribed") {
          const files = settle(name, await getStatus(c, name));
          if (files) return { readyAt: nowMs(), files };
        }
        if (f.event === "status" && f.data) {
          const files = settle(name, (JSON.parse(f.data) as { data?: StatusLike }).data);
          if (files) return { readyAt: nowMs(), files };
        }
      }
    }
    // The stream ended (until=ready closes it right after the terminal status): read the outcome.
    const files = settle(name, await getStatus(c, name));
    if (files) return { readyAt: nowMs(), files };
    throw new Error(`watch of ${name} ended before it was Ready`);
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}
