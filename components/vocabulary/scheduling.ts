/**
 * Kratix scheduling rules (DESIGN.md §4):
 * - Dependencies (and promise workflow output) go to every matching destination.
 * - A request's default group goes to ONE matching destination and stays there while it still matches;
 *   otherwise a deterministic choice by a hash of the request id spreads requests over the candidates.
 *   A group whose destination was removed (or no longer matches) moves to another candidate; with none
 *   left, it is unscheduled and the message names the destination it had.
 * - Workflow selectors with a `directory` form their own group, scheduled the same way.
 * - Promise selectors win over workflow selectors on conflicting keys (and apply to every group).
 * - A strict destination (`strictMatchLabels`) refuses work that has no selectors; an empty selector set
 *   matches every non-strict destination.
 */
import { createHash } from "node:crypto";
import type { DestinationSpec } from "./destination";

export type Labels = Record<string, string>;
/** Kratix `destinationSelectors` entry. */
export interface DestinationSelector {
  matchLabels: Labels;
}
export interface DirectorySelector extends DestinationSelector {
  directory?: string;
}

/** Merges a list of selectors (they are ANDed); later entries win on conflicting keys. */
export function mergeSelectors(list: readonly DestinationSelector[] | undefined): Labels {
  const out: Labels = {};
  for (const s of list ?? []) Object.assign(out, s.matchLabels ?? {});
  return out;
}

/** True when `labels` carries every key of `selector` with the same value. */
export function labelsMatch(labels: Labels, selector: Labels): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** Whether a destination accepts work selected by `selector` (strict destinations refuse unselected work). */
export function accepts(dest: DestinationSpec, selector: Labels): boolean {
  if (Object.keys(selector).length === 0) return dest.strictMatchLabels !== true;
  return labelsMatch(dest.labels ?? {}, selector);
}

/** Every destination accepting the selectors, in input order (used for dependencies). */
export function matchDestinations(args: {
  destinations: readonly DestinationSpec[];
  selectors?: readonly DestinationSelector[] | Labels;
}): DestinationSpec[] {
  const sel = Array.isArray(args.selectors) ? mergeSelectors(args.selectors) : ((args.selectors as Labels | undefined) ?? {});
  return args.destinations.filter((d) => accepts(d, sel));
}

/** Where a group of a request was placed before (the request's `status.destinations`). */
export interface PreviousPlacement {
  directory?: string;
  destination: string;
}

export interface ScheduledGroup {
  /** Undefined for the default group. */
  directory?: string;
  /** Effective selector: workflow labels overlaid by promise labels. */
  selector: Labels;
  /** Workflow label keys overridden by the Promise's selectors. */
  overridden: string[];
  /** Names of the accepting destinations, sorted. */
  candidates: string[];
  /** The chosen destination; undefined when no destination accepts the group. */
  destination?: string;
  reason: "previous" | "hashed" | "unscheduled";
  message: string;
}

export interface ScheduleResult {
  groups: ScheduledGroup[];
  /** Groups without a destination. */
  unscheduled: ScheduledGroup[];
}

function describe(selector: Labels): string {
  const entries = Object.entries(selector);
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(",") : "(no selectors)";
}

/** Deterministic pick of one of `candidates` (sorted) by a hash of `id`. */
export function pickByHash(id: string, candidates: readonly string[]): string {
  const h = createHash("sha256").update(id).digest();
  return candidates[h.readUInt32BE(0) % candidates.length];
}

/**
 * Schedules one pipeline's output of a request. `id` identifies the request (e.g. `ns/promise/name`) and
 * drives the deterministic choice; `previous` keeps groups where they were while still accepted.
 */
export function scheduleResource(args: {
  destinations: readonly DestinationSpec[];
  promiseSelectors?: readonly DestinationSelector[];
  workflowSelectors?: readonly DirectorySelector[];
  previous?: readonly PreviousPlacement[];
  id: string;
}): ScheduleResult {
  const promise = mergeSelectors(args.promiseSelectors);
  const wf = args.workflowSelectors ?? [];
  const defaultLabels = mergeSelectors(wf.filter((s) => s.directory === undefined));
  const dirs = [...new Set(wf.filter((s) => s.directory !== undefined).map((s) => s.directory as string))];
  const specs: { directory?: string; labels: Labels }[] = [
    { labels: defaultLabels },
    ...dirs.map((directory) => ({ directory, labels: mergeSelectors(wf.filter((s) => s.directory === directory)) })),
  ];
  const groups = specs.map(({ directory, labels }): ScheduledGroup => {
    const overridden = Object.keys(labels).filter((k) => k in promise && promise[k] !== labels[k]);
    const selector = { ...labels, ...promise };
    const candidates = args.destinations.filter((d) => accepts(d, selector)).map((d) => d.name).sort();
    const where = directory === undefined ? "default group" : `directory "${directory}"`;
    const base = directory === undefined ? {} : { directory };
    const prev = args.previous?.find((p) => p.directory === directory)?.destination;
    if (candidates.length === 0) {
      const gone = prev === undefined ? "" : args.destinations.some((d) => d.name === prev) ? `destination "${prev}" no longer matches and ` : `destination "${prev}" was removed and `;
      return {
        ...base, selector, overridden, candidates, reason: "unscheduled",
        message: `${where}: ${gone}no destination matches selectors ${describe(selector)}${
          Object.keys(selector).length === 0 ? " (every destination is strict)" : ""
        }`,
      };
    }
    if (prev !== undefined && candidates.includes(prev)) {
      return { ...base, selector, overridden, candidates, destination: prev, reason: "previous", message: `${where}: stays on "${prev}"` };
    }
    const destination = pickByHash(args.id, candidates);
    const moved = prev === undefined ? "" : `, moved from "${prev}" (${args.destinations.some((d) => d.name === prev) ? "no longer matching" : "removed"})`;
    return {
      ...base, selector, overridden, candidates, destination, reason: "hashed",
      message: `${where}: scheduled to "${destination}" (of ${candidates.length} matching ${describe(selector)})${moved}`,
    };
  });
  return { groups, unscheduled: groups.filter((g) => g.destination === undefined) };
}
