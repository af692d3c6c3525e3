/** Bearer tokens → teams. Tokens are compared by SHA-256 in constant time; the token itself is never kept. */
import * as crypto from "node:crypto";
import { ForbiddenError } from "../../components/errors";
import type { Tenant } from "../../components/promise/tenancy";
import type { Caller } from "./types";

export interface TeamConfig {
  name: string;
  namespaces: readonly string[];
  token?: string;
  tokenSha256?: string;
}

export function sha256Hex(s: string): string {
  return crypto.createHash("sha256").update(s).digest("hex");
}

export class TeamDirectory {
  private readonly teams: { caller: Caller; hash: Buffer }[];
  /** Every configured team's namespaces, with or without a token (tenancy of its requests). */
  private readonly namespaces = new Map<string, readonly string[] | "*">();

  constructor(teams: readonly TeamConfig[]) {
    for (const t of teams) this.namespaces.set(t.name, t.namespaces.includes("*") ? "*" : [...t.namespaces]);
    this.teams = teams
      .filter((t) => t.token || t.tokenSha256)
      .map((t) => ({
        caller: { team: t.name, namespaces: t.namespaces.includes("*") ? "*" : [...t.namespaces] },
        hash: Buffer.from(t.tokenSha256 ?? sha256Hex(t.token!), "hex"),
      }));
  }

  authenticate(token: string): Caller | undefined {
    const h = Buffer.from(sha256Hex(token), "hex");
    let found: Caller | undefined;
    for (const t of this.teams) if (crypto.timingSafeEqual(t.hash, h)) found = t.caller;
    return found;
  }

  /**
   * What a request of `team` may render into (DESIGN.md §6): the team's configured namespaces; the
   * platform itself is unrestricted; a team no longer configured owns nothing.
   */
  tenant(team: string): Tenant {
    const configured = this.namespaces.get(team);
    if (configured !== undefined) return { team, namespaces: configured };
    return { team, namespaces: team === PLATFORM_CALLER.team ? "*" : [] };
  }
}

/** The platform itself (the platform agent acting for compound Promises). */
export const PLATFORM_CALLER: Caller = { team: "platform", namespaces: "*" };

export function mayUse(caller: Caller, namespace: string): boolean {
  return caller.namespaces === "*" || caller.namespaces.includes(namespace);
}

export function assertMayUse(caller: Caller, namespace: string): void {
  if (!mayUse(caller, namespace)) {
    throw new ForbiddenError(`team "${caller.team}" may not use namespace "${namespace}"`, { namespace, team: caller.team }, "NamespaceForbidden");
  }
}
