/**
 * The requests the local platform stored in its data dir, for the checks a command-line `up` runs before
 * any change (service/core/preflight.ts): `npm start` runs them itself before its own `up`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { EngineWorkspace } from "../service/engine";
import { RequestStore, type StoredRequest } from "../service/core/store";
import { planPreflight } from "../service/core/preflight";
import type { AnyPromise } from "../components/promise/types";

/** Requests stored under `<dataDir>/requests` (none when no platform ever ran there). Reads files only. */
export function storedRequests(dataDir: string): StoredRequest[] {
  const workDir = path.join(dataDir, "requests");
  if (!fs.existsSync(workDir)) return [];
  const ws = new EngineWorkspace({ pulumi: "pulumi", backendUrl: `file://${path.join(dataDir, "state")}`, workDir, project: "plinth-requests", passphrase: "" });
  return new RequestStore(ws).load();
}

/**
 * Fails when the new Promise set would orphan stored requests (a removed Promise that has requests) or
 * its schema rejects them. Cascades and migrations rewrite requests, which only the running platform
 * does: the message says to apply that change with `npm start`.
 */
export function checkStoredRequests(dataDir: string, next: Map<string, AnyPromise>): void {
  const requests = storedRequests(dataDir);
  if (!requests.length) return;
  const plan = planPreflight({ requests, next, previousPolicy: () => "Block" });
  if (plan.migrated.length) {
    const names = plan.migrated.map((m) => `${m.rec.object.metadata.namespace}/${m.rec.object.kind}/${m.rec.object.metadata.name}`);
    throw new Error(`the new schema needs the stored requests ${names.join(", ")} migrated: apply this change with \`npm start\`, which migrates them first`);
  }
}
