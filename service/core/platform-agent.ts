/**
 * The platform agent (DESIGN.md §3.8): compound Promises write child resource requests into the platform
 * destination's path; after each reconcile of a parent the agent reads those files from Git and applies
 * each child like any request (as the platform itself), deletes children the parent no longer writes, and
 * folds the children's state into the parent's status (`children`, Ready only when all are, Stalled naming
 * a failed child). A request the parent did not create is never adopted: the parent is Stalled with
 * `ChildConflict` naming it, and it stays as it is (it is not deleted with the parent either).
 */
import YAML from "yaml";
import { PlinthError } from "../../components/errors";
import type { ResolvedDestination } from "../../components/vocabulary/destination";
import { ownerFromLabels } from "../../components/vocabulary/owner-labels";
import type { StoreRegistry } from "./stores";
import { conditionOf, setCondition } from "./conditions";
import { keyOf, type RequestStore, type StoredRequest } from "./store";
import type { ApplyResult, Condition, RequestKey, RequestStatus } from "./types";


export interface PlatformAgentOptions {
  store: RequestStore;
  stores: StoreRegistry;
  destinations: ResolvedDestination[];
  /** Applies a child (upsert) as the platform, owned by `owner`; 409 `ChildConflict` for a request it did not create. */
  apply: (object: unknown, owner: RequestKey) => Promise<ApplyResult>;
  /** Queues a child's deletion. */
  remove: (key: RequestKey) => Promise<void>;
  /** Whether an installed Promise serves this apiVersion/kind. */
  serves: (apiVersion: string, kind: string) => boolean;
  /** Changes a parent's status as it is now (undefined: no change), persists and announces it. */
  updateStatus: (key: RequestKey, change: (current: StoredRequest) => RequestStatus | undefined) => Promise<void>;
  log: (line: string) => void;
}

export function ownerOf(rec: StoredRequest): RequestKey | undefined {
  return ownerFromLabels(rec.object.metadata.labels);
}

function sameKey(a: RequestKey, b: RequestKey): boolean {
  return a.namespace === b.namespace && a.name === b.name && a.kind.toLowerCase() === b.kind.toLowerCase();
}

export class PlatformAgent {
  constructor(private readonly o: PlatformAgentOptions) {}

  private platformPaths(): Map<string, ResolvedDestination> {
    return new Map(this.o.destinations.filter((d) => d.labels.environment === "platform").map((d) => [d.name, d]));
  }

  children(parent: RequestKey): StoredRequest[] {
    return this.o.store.all().filter((r) => {
      const o = ownerOf(r);
      return o !== undefined && sameKey(o, parent);
    });
  }

  /** After a parent's reconcile: apply the child requests it wrote to platform destinations. */
  async sync(parent: StoredRequest): Promise<void> {
    const platform = this.platformPaths();
    const dirs = new Map<string, ResolvedDestination>();
    for (const f of parent.status.files) {
      const d = platform.get(f.destination);
      if (d) dirs.set(f.path.slice(0, f.path.lastIndexOf("/")), d);
    }
    const desired: Record<string, unknown>[] = [];
    for (const [dir, dest] of dirs) {
      const files = (await this.o.stores.writer(dest.stateStore).readDirectory({ dir })) ?? {};
      for (const [name, text] of Object.entries(files)) {
        if (name === "kustomization.yaml" || !/\.ya?ml$/.test(name)) continue;
        for (const doc of YAML.parseAllDocuments(text)) {
          const obj = doc.toJSON() as Record<string, unknown> | null;
          if (obj && typeof obj.apiVersion === "string" && typeof obj.kind === "string" && this.o.serves(obj.apiVersion, obj.kind)) desired.push(obj);
        }
      }
    }
    const parentKey = keyOf(parent);
    const applied: RequestKey[] = [];
    const conflicts: string[] = [];
    for (const obj of desired) {
      try {
        applied.push(await this.o.apply(obj, parentKey));
      } catch (err) {
        if (!(err instanceof PlinthError && err.code === "ChildConflict")) throw err;
        conflicts.push(err.message);
        this.o.log(`platform agent: ${parentKey.kind}/${parentKey.name}: ${err.message}`);
      }
    }
    for (const child of this.children(parentKey)) {
      if (!applied.some((k) => sameKey(k, keyOf(child)))) {
        this.o.log(`platform agent: ${parentKey.kind}/${parentKey.name} no longer writes ${child.object.kind}/${child.object.metadata.name}; deleting it`);
        await this.o.remove(keyOf(child));
      }
    }
    await this.aggregate(parentKey, conflicts);
  }

  /** Parents stalled on a name another request holds: worth a new sync once a request is removed. */
  conflicted(): StoredRequest[] {
    return this.o.store.all().filter((r) => !r.object.metadata.deletionTimestamp && conditionOf(r.status.conditions, "Stalled")?.reason === "ChildConflict");
  }

  /** Before a parent is removed: delete its children (their files go with their stacks). */
  async removeChildren(parent: RequestKey): Promise<void> {
    for (const child of this.children(parent)) if (!child.object.metadata.deletionTimestamp) await this.o.remove(keyOf(child));
  }

  /** A child's status changed: refresh its parent's. */
  async childChanged(child: StoredRequest): Promise<void> {
    const owner = ownerOf(child);
    if (owner) await this.aggregate(owner);
  }

  /**
   * Folds children into the parent's status as it is now: `children`, `ChildrenReady`, `Ready`, `Stalled`.
   * `conflicts` (from a sync) sets or clears `Stalled`/`ChildConflict`; without it the last sync's stays.
   */
  async aggregate(parentKey: RequestKey, conflicts?: string[]): Promise<void> {
    await this.o.updateStatus(parentKey, (parent) => {
      if (parent.object.metadata.deletionTimestamp) return undefined;
      const kids = this.children(parentKey);
      const hadConflict = conditionOf(parent.status.conditions, "Stalled")?.reason === "ChildConflict";
      if (kids.length === 0 && !parent.status.children && !conflicts?.length && !hadConflict) return undefined;
      return this.folded(parent.status, kids, conflicts);
    });
  }

  private folded(status: RequestStatus, kids: StoredRequest[], conflicts: string[] | undefined): RequestStatus {
    const ready = (r: StoredRequest) => conditionOf(r.status.conditions, "Ready")?.status === "True" && r.status.observedGeneration === r.object.metadata.generation;
    const children = kids.map((k) => ({ namespace: k.object.metadata.namespace, kind: k.object.kind, name: k.object.metadata.name, ready: ready(k) }));
    const stalled = kids.find((k) => conditionOf(k.status.conditions, "Stalled")?.status === "True");
    const notReady = children.filter((c) => !c.ready);
    const written = conditionOf(status.conditions, "ResourcesWritten")?.status !== "False";
    const waiting = `waiting for ${notReady.map((c) => `${c.kind}/${c.name}`).join(", ")}`;
    let conditions = setCondition(status.conditions, {
      type: "ChildrenReady",
      status: notReady.length ? "False" : "True",
      reason: notReady.length ? "ChildrenNotReady" : "ChildrenReady",
      message: notReady.length ? waiting : `${children.length} children ready`,
    });
    const kept = conditionOf(conditions, "Stalled");
    const conflict = conflicts === undefined ? (kept?.reason === "ChildConflict" ? kept.message : undefined) : conflicts.join("; ") || undefined;
    conditions = conditions.filter((c) => !(c.type === "Stalled" && (c.reason === "ChildStalled" || c.reason === "ChildConflict")));
    const stall = (reason: string, message: string): Condition[] =>
      setCondition(setCondition(conditions, { type: "Stalled", status: "True", reason, message }), { type: "Ready", status: "False", reason, message });
    if (conflict) conditions = stall("ChildConflict", conflict);
    else if (stalled) conditions = stall("ChildStalled", `child ${stalled.object.kind}/${stalled.object.metadata.name} is stalled: ${conditionOf(stalled.status.conditions, "Stalled")?.message ?? ""}`);
    else {
      const ok = written && notReady.length === 0;
      conditions = setCondition(conditions, { type: "Ready", status: ok ? "True" : "False", reason: ok ? "Ready" : "ChildrenNotReady", message: ok ? "resource and all its children are ready" : waiting });
    }
    const readyCond = conditionOf(conditions, "Ready")!;
    return { ...status, children, conditions, message: readyCond.status === "True" ? "Ready" : readyCond.message };
  }
}
