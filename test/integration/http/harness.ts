/** Starts the real API server over a loopback socket with the in-memory test double behind it. */
import { startApiServer, type ApiServer } from "../../../service/http";
import type { ApiLimits } from "../../../service/http/limits";
import { InMemoryPlatformService } from "./in-memory-platform-service";

export interface Harness {
  server: ApiServer;
  service: InMemoryPlatformService;
  logs: string[];
  call(method: string, path: string, opts?: { token?: string | null; body?: string; contentType?: string }): Promise<{ status: number; headers: Headers; json: any; text: string }>;
  close(): Promise<void>;
}

export async function startHarness(opts: { maxBodyBytes?: number; heartbeatMs?: number; limits?: Partial<ApiLimits> } = {}): Promise<Harness> {
  const service = new InMemoryPlatformService();
  const logs: string[] = [];
  const server = await startApiServer({ service, port: 0, log: (line) => logs.push(line), ...opts });
  return {
    server,
    service,
    logs,
    async call(method, path, o = {}) {
      const headers: Record<string, string> = {};
      const token = o.token === undefined ? "token-admin" : o.token;
      if (token !== null) headers.Authorization = `Bearer ${token}`;
      if (o.contentType) headers["Content-Type"] = o.contentType;
      const res = await fetch(server.url + path, { method, headers, body: o.body });
      const text = await res.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: res.status, headers: res.headers, json, text };
    },
    close: () => server.close(),
  };
}

export const TEAM_A_YAML = `apiVersion: platform.plinth.dev/v1
kind: TeamNamespace
metadata:
  name: team-a
  namespace: team-a
spec:
  team: a
`;

export function teamNamespace(name: string, namespace = "default", spec: Record<string, unknown> = { team: "a" }) {
  return { apiVersion: "platform.plinth.dev/v1", kind: "TeamNamespace", metadata: { name, namespace }, spec };
}
