/**
 * Where requests live: each request's object is the config of its own Pulumi stack (the stack settings
 * file, written before the API answers 202), its status a JSON file beside it. Everything is also held in
 * memory; the files are what survives a restart.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { EngineWorkspace } from "../engine";
import { stackNameOf } from "./keys";
import type { RequestKey, RequestObject, RequestStatus } from "./types";

export interface StoredRequest {
  object: Omit<RequestObject, "status">;
  /** Name of the Promise serving it. */
  promise: string;
  status: RequestStatus;
  /** Whether its stack exists in the backend. */
  stackCreated: boolean;
}

export function emptyStatus(): RequestStatus {
  return { conditions: [], observedGeneration: 0, message: "", destinations: [], files: [], outputs: {} };
}

export class RequestStore {
  private readonly byStack = new Map<string, StoredRequest>();
  private readonly statusDir: string;

  constructor(private readonly workspace: EngineWorkspace) {
    this.statusDir = path.join(workspace.options.workDir, "status");
    fs.mkdirSync(this.statusDir, { recursive: true });
  }

  /** Loads every request found in the workspace (on start). */
  load(): StoredRequest[] {
    const dir = this.workspace.options.workDir;
    for (const f of fs.readdirSync(dir)) {
      const m = /^Pulumi\.(.+)\.yaml$/.exec(f);
      if (!m) continue;
      const config = this.workspace.readConfig(m[1]);
      if (!config["plinth:request"]) continue;
      const statusFile = path.join(this.statusDir, `${m[1]}.json`);
      const saved = fs.existsSync(statusFile) ? (JSON.parse(fs.readFileSync(statusFile, "utf8")) as { status: RequestStatus; stackCreated: boolean }) : undefined;
      this.byStack.set(m[1], {
        object: JSON.parse(String(config["plinth:request"])),
        promise: String(config["plinth:promise"]),
        status: saved?.status ?? emptyStatus(),
        stackCreated: saved?.stackCreated ?? false,
      });
    }
    return [...this.byStack.values()];
  }

  get(key: RequestKey): StoredRequest | undefined {
    return this.byStack.get(stackNameOf(key));
  }

  getByStack(stack: string): StoredRequest | undefined {
    return this.byStack.get(stack);
  }

  all(): StoredRequest[] {
    return [...this.byStack.values()];
  }

  /** Persists the request object (its stack config) — done before the API answers. */
  saveObject(rec: StoredRequest): void {
    const stack = stackNameOf(keyOf(rec));
    this.workspace.writeConfig(stack, { "plinth:request": JSON.stringify(rec.object), "plinth:promise": rec.promise });
    this.byStack.set(stack, rec);
  }

  saveStatus(rec: StoredRequest): void {
    const stack = stackNameOf(keyOf(rec));
    const file = path.join(this.statusDir, `${stack}.json`);
    const tmp = `${file}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, JSON.stringify({ status: rec.status, stackCreated: rec.stackCreated }));
    fs.renameSync(tmp, file);
  }

  /** Forgets a request whose stack was removed. */
  remove(key: RequestKey): void {
    const stack = stackNameOf(key);
    this.byStack.delete(stack);
    fs.rmSync(path.join(this.statusDir, `${stack}.json`), { force: true });
    fs.rmSync(this.workspace.settingsFile(stack), { force: true });
  }
}

export function keyOf(rec: StoredRequest): RequestKey {
  return { namespace: rec.object.metadata.namespace, kind: rec.object.kind, name: rec.object.metadata.name };
}
