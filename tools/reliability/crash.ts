/**
 * `crash`: `npm start`'s program as a child (its own process group, a temp data dir, a free port) is
 * SIGKILLed at a random point during a burst of creates, updates and deletes, and started again, `kills`
 * times. Then one last start: every acknowledged write must converge (status and spec), and no stack
 * lock may be left in the backend.
 *
 * The platform runs `Pulumi.local.yaml` (PLINTH_CONFIG) with two changes: the dev team owns the burst's
 * names (a TeamNamespace renders a Namespace of its own name), and the `web-app` Promise announces each
 * app on Slack and opens a Zendesk ticket (action steps) against recording receivers on 127.0.0.1
 * (test/support/receivers.ts) that outlive the kills. Each burst also creates one app; after the last
 * start every app there must have caused each side effect once (one Slack message, one ticket), and an
 * app whose create was lost none.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Figure } from "../bench/report";
import { stopGroup } from "../bench/children";
import YAML from "yaml";
import { spawnStart, type StartedPlatform } from "../../test/support/start";
import { startSlackReceiver, startZendeskReceiver, type SlackReceiver, type ZendeskReceiver } from "../../test/support/receivers";
import { readStackConfig } from "../../stacks/stack-config";
import { call, conditionOf, requestPath, sleep, until, type RequestView } from "./api";
import { crashFigure, type CrashCounts } from "./figures";
import { rng } from "./mutate";
import { acknowledged, type Expected } from "./races";

const KIND = "TeamNamespace";
const body = (name: string, team: string) => JSON.stringify({ apiVersion: "plinth.dev/v1alpha1", kind: KIND, metadata: { name, namespace: "default" }, spec: { team } });
const appBody = (name: string) => JSON.stringify({ apiVersion: "marketplace.kratix.io/v1", kind: "app", metadata: { name, namespace: "default" }, spec: { name, image: "syntasso/sample-todo-app:v1.0.0" } });
const SLACK_TOKEN = "xoxb-reliability-crash-0001";
const ZENDESK = { email: "platform@example.com", apiToken: "zd-reliability-crash-0001" };

/** The burst's TeamNamespace names (the dev team must own them) and its apps. */
export const crashNames = (kills: number, burst: number) => Array.from({ length: kills * burst }, (_, j) => `crash-${Math.floor(j / burst)}-${j % burst}`);
export const crashApp = (k: number) => `crash-app-${k}`;

/** `Pulumi.local.yaml` with the dev team owning `names` and web-app announcing apps on the receivers. */
export function crashConfig(root: string, names: string[], slackUrl: string, zendeskUrl: string): string {
  const raw = readStackConfig(path.join(root, "Pulumi.local.yaml"));
  const teams = (raw.teams as { name: string; namespaces: string[] }[]).map((t, i) => (i === 0 ? { ...t, namespaces: [...t.namespaces, ...names] } : t));
  const promises = (raw.promises as { name: string; config?: Record<string, unknown> }[]).map((p) =>
    p.name !== "web-app"
      ? p
      : {
          ...p,
          config: {
            ...p.config,
            notifications: {
              slack: { baseUrl: slackUrl, botToken: SLACK_TOKEN, channel: "#platform" },
              zendesk: { baseUrl: zendeskUrl, ...ZENDESK, requester: { name: "Platform", email: ZENDESK.email } },
            },
          },
        },
  );
  const config = Object.fromEntries(Object.entries({ ...raw, teams, promises }).map(([k, v]) => [`plinth:${k}`, v]));
  return YAML.stringify({ config });
}

/** What each app's actions did at the receivers: announcements and tickets per app name. */
export function sideEffectsOf(slack: Pick<SlackReceiver, "messages">, zendesk: Pick<ZendeskReceiver, "tickets">, app: string): { slack: number; zendesk: number } {
  return {
    slack: slack.messages.filter((m) => !m.thread_ts && (m.text ?? "").startsWith(`Web app ${app} `)).length,
    zendesk: [...zendesk.tickets.values()].filter((t) => t.subject === `Web app default/${app} provisioned`).length,
  };
}

/** Every lock file under the data dir's Pulumi backend. */
export function lockFiles(dataDir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    if (!fs.existsSync(d)) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) (e.isDirectory() ? walk : (p: string) => out.push(p))(path.join(d, e.name));
  };
  walk(path.join(dataDir, "state", ".pulumi", "locks"));
  return out;
}

export async function crashFigureRun(o: { root: string; kills: number; burst: number; seed: number; log: (l: string) => void; cleanups: (() => Promise<void> | void)[] }): Promise<Figure> {
  const r = rng(o.seed * 104729 + 3);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plinth-crash-"));
  const dataDir = path.join(dir, "data");
  o.cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  let current: StartedPlatform | undefined;
  o.cleanups.push(async () => void (current && (await stopGroup(current.child, 5000))));
  const slack = await startSlackReceiver({ token: SLACK_TOKEN, channels: { platform: "C0PLATFRM2" } });
  o.cleanups.push(() => slack.close());
  const zendesk = await startZendeskReceiver(ZENDESK);
  o.cleanups.push(() => zendesk.close());
  const configFile = path.join(dir, "Pulumi.crash.yaml");
  fs.writeFileSync(configFile, crashConfig(o.root, crashNames(o.kills, o.burst), slack.url, zendesk.url), { mode: 0o600 });
  const env = { PLINTH_CONFIG: configFile };
  /** Apps whose create was acknowledged, and apps whose create was in flight at a kill. */
  const apps = new Set<string>();
  const appsUncertain = new Set<string>();
  const expected = new Map<string, Expected>();
  /** Names with a write in flight when the platform was killed: either outcome is fine. */
  const uncertain = new Set<string>();
  const c: CrashCounts = { kills: 0, acknowledged: 0, unconverged: [], sideEffects: 0, duplicateOrMissing: [], lockedStacks: [] };
  for (let k = 0; k < o.kills; k++) {
    current = await spawnStart(dataDir, [], env);
    const token = fs.readFileSync(path.join(dataDir, "token"), "utf8").trim();
    const url = current.url;
    const killAt = 200 + Math.floor(r() * 4000);
    const ops: Promise<void>[] = [];
    const burstStart = Date.now();
    const known = [...expected.keys()];
    for (let i = 0; i < o.burst; i++) {
      const pickOld = known.length > 0 && r() < 0.4;
      const name = pickOld ? known[Math.floor(r() * known.length)] : `crash-${k}-${i}`;
      const op = pickOld ? (r() < 0.5 ? "PUT" : "DELETE") : "POST";
      const team = `c${Math.floor(r() * 1e6)}`;
      ops.push(
        (async () => {
          await sleep(Math.floor(r() * 1500));
          uncertain.add(name);
          const reply =
            op === "POST" ? await call(url, token, "POST", "/v1/requests", body(name, team), "application/json", 10_000)
            : op === "PUT" ? await call(url, token, "PUT", requestPath("default", KIND, name), body(name, team), "application/json", 10_000)
            : await call(url, token, "DELETE", requestPath("default", KIND, name), undefined, "application/json", 10_000);
          const next = acknowledged(op, reply.status, team);
          if (reply.status !== 0) uncertain.delete(name);
          if (next) {
            expected.set(name, next);
            c.acknowledged++;
          }
        })(),
      );
    }
    const app = crashApp(k);
    ops.push(
      (async () => {
        await sleep(Math.floor(r() * 1500));
        appsUncertain.add(app);
        const reply = await call(url, token, "POST", "/v1/requests", appBody(app), "application/json", 10_000);
        if (reply.status !== 0) appsUncertain.delete(app);
        if (reply.status === 202) apps.add(app);
      })(),
    );
    await sleep(Math.max(0, killAt - (Date.now() - burstStart)));
    process.kill(-current.child.pid!, "SIGKILL");
    await current.exited;
    await Promise.all(ops);
    c.kills++;
    o.log(`crash: kill ${c.kills}/${o.kills} at ${killAt} ms into the burst; ${c.acknowledged} writes acknowledged so far`);
  }
  current = await spawnStart(dataDir, [], env);
  const token = fs.readFileSync(path.join(dataDir, "token"), "utf8").trim();
  for (const [name, want] of expected) {
    const state = await until(`${name} converges`, 300_000, async () => {
      const reply = await call(current!.url, token, "GET", requestPath("default", KIND, name));
      if (reply.status === 404) return { gone: true as const };
      const v = reply.json as RequestView | undefined;
      if (reply.status !== 200 || !v) return undefined;
      const done = v.status.observedGeneration === v.metadata.generation && !v.metadata.deletionTimestamp && (conditionOf(v, "Ready")?.status === "True" || conditionOf(v, "Stalled")?.status === "True");
      return done ? { gone: false as const, view: v } : undefined;
    }, 500).catch(() => undefined);
    const where = `${name} (expected ${want.exists ? `spec.team ${want.team}` : "gone"})`;
    if (!state) c.unconverged.push(`${where}: did not settle in 300 s`);
    else if (uncertain.has(name)) continue;
    else if (!want.exists && !state.gone) c.unconverged.push(`${where}: still exists`);
    else if (want.exists && state.gone) c.unconverged.push(`${where}: is gone`);
    else if (want.exists && !state.gone && (state.view.spec.team !== want.team || conditionOf(state.view, "Ready")?.status !== "True")) {
      c.unconverged.push(`${where}: spec.team ${String(state.view.spec.team)}, Ready ${conditionOf(state.view, "Ready")?.status}: ${state.view.status.message ?? ""}`);
    }
  }
  // Each app that is there caused each side effect once; one whose create was lost (in flight at a kill) none.
  for (let k = 0; k < o.kills; k++) {
    const app = crashApp(k);
    if (!apps.has(app) && !appsUncertain.has(app)) continue;
    const state = await until(`${app} converges`, 600_000, async () => {
      const reply = await call(current!.url, token, "GET", requestPath("default", "app", app));
      if (reply.status === 404) return { gone: true as const };
      const v = reply.json as RequestView | undefined;
      if (reply.status !== 200 || !v) return undefined;
      const done = v.status.observedGeneration === v.metadata.generation && (conditionOf(v, "Ready")?.status === "True" || conditionOf(v, "Stalled")?.status === "True");
      return done ? { gone: false as const, view: v } : undefined;
    }, 1000).catch(() => undefined);
    if (!state) {
      c.unconverged.push(`app ${app}: did not settle in 600 s`);
      continue;
    }
    if (state.gone && apps.has(app)) c.unconverged.push(`app ${app}: acknowledged, but gone`);
    if (!state.gone && conditionOf(state.view, "Ready")?.status !== "True") c.unconverged.push(`app ${app}: not Ready: ${state.view.status.message ?? ""}`);
    const seen = sideEffectsOf(slack, zendesk, app);
    const want = state.gone ? 0 : 1;
    for (const [action, n] of Object.entries(seen)) {
      c.sideEffects++;
      if (n !== want) c.duplicateOrMissing.push(`app ${app}: ${action} side effect seen ${n} times, expected ${want}`);
    }
  }
  c.lockedStacks = lockFiles(dataDir).map((f) => path.relative(dataDir, f));
  await stopGroup(current.child, 15_000);
  current = undefined;
  return crashFigure(c, o.kills);
}
