import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { webAppPromise } from "../../../promises/web-app";
import { checkRequest, planRequest } from "../../../components/promise";
import { ValidationError } from "../../../components/errors";
import { pagerDutyHandler, slackHandler, zendeskHandler, type ActionHandler } from "../../../components/workflow/actions";
import type { DestinationSpec } from "../../../components/vocabulary/destination";
import { captureContext, startPagerDutyReceiver, startSlackReceiver, startZendeskReceiver } from "../../support/receivers";

const DESTS: DestinationSpec[] = [
  { name: "worker", labels: { environment: "dev" }, stateStore: "test" },
  { name: "platform", labels: { environment: "platform" }, stateStore: "test", strictMatchLabels: true },
];
const BOT = "xoxb-webapp-SECRET-1";
const PDKEY = "pd-webapp-SECRET-2";
const ZDTOKEN = "zd-webapp-SECRET-3";
const request = (image = "ghcr.io/acme/shop:1.2.3") => ({ apiVersion: "marketplace.kratix.io/v1", kind: "app", metadata: { name: "shop", namespace: "team-a" }, spec: { name: "shop", image } });
const notifications = (urls: { slack?: string; pd?: string; zd?: string } = {}) => ({
  slack: { botToken: BOT, channel: "#platform", ...(urls.slack ? { baseUrl: urls.slack } : {}) },
  pagerduty: { apiKey: PDKEY, from: "oncall@acme.io", users: ["PABC123", "PDEF456"], timeZone: "Europe/London", ...(urls.pd ? { baseUrl: urls.pd } : {}) },
  zendesk: { baseUrl: urls.zd ?? "https://acme.zendesk.com", email: "agent@acme.io", apiToken: ZDTOKEN, requester: { name: "Team A", email: "team-a@acme.io" } },
});

/** The handler's validated inputs (defaults applied); fails the test when they do not validate. */
function valid<I>(h: ActionHandler<I, unknown>, inputs: unknown): I {
  const r = h.validate(inputs);
  if ("issues" in r) assert.fail(`${h.kind} inputs are invalid: ${JSON.stringify(r.issues)}`);
  return r.inputs;
}

async function plan(config: unknown, req = request()) {
  const args = { promise: webAppPromise, config, request: req, destinations: DESTS, store: "test" };
  return planRequest("app", args, checkRequest(args));
}

describe("web-app notifications", () => {
  test("each enabled notification is declared as an action built from the request; nothing secret is written or reported", async () => {
    const p = await plan({ baseDomain: "apps.acme.io", notifications: notifications() });
    assert.deepEqual(p.actions.map((a) => [a.resourceName, a.kind, a.step]), [
      ["app-configure-notify-slack", "slack", "configure/notify-slack"],
      ["app-configure-oncall", "pagerduty", "configure/oncall"],
      ["app-configure-ticket", "zendesk", "configure/ticket"],
    ]);
    const [slack, pd, zd] = p.actions.map((a) => a.inputs as Record<string, any>);
    assert.equal(slack.botToken, BOT);
    assert.equal(slack.channel, "#platform");
    assert.equal(slack.text, "Web app shop (image ghcr.io/acme/shop:1.2.3) of team team-a at http://shop.apps.acme.io is being deployed by Plinth.");
    assert.equal(pd.name, "team-a-shop");
    assert.deepEqual(pd.rotation, { start: "2025-01-06T09:00:00Z", userIds: ["PABC123", "PDEF456"] });
    assert.equal(pd.fromEmail, "oncall@acme.io");
    assert.equal(pd.timeZone, "Europe/London");
    assert.equal(zd.subject, "Web app team-a/shop provisioned");
    assert.deepEqual(zd.tags, ["plinth", "web-app", "team-team-a"]);
    // The declared inputs are what the handlers accept.
    for (const [h, i] of [[slackHandler, slack], [pagerDutyHandler, pd], [zendeskHandler, zd]] as const) assert.ok("inputs" in h.validate(i), `${h.kind} inputs validate`);
    // The status names the actions, without their inputs; no placement file holds a credential.
    assert.deepEqual((p.status.actions as { step: string }[]).map((a) => a.step), ["configure/notify-slack", "configure/oncall", "configure/ticket"]);
    const written = JSON.stringify([p.status, p.outputs, p.placements]);
    for (const s of [BOT, PDKEY, ZDTOKEN]) assert.ok(!written.includes(s));
  });

  test("without notifications nothing is declared; with only Slack only the Slack message", async () => {
    assert.deepEqual((await plan({})).actions, []);
    assert.equal((await plan({})).status.actions, undefined);
    const only = await plan({ notifications: { slack: notifications().slack } });
    assert.deepEqual(only.actions.map((a) => a.kind), ["slack"]);
  });

  test("a new image changes the Slack text, the PagerDuty description and the ticket body (so they are updated); the same request changes nothing", async () => {
    const a = await plan({ notifications: notifications() });
    const same = await plan({ notifications: notifications() });
    const b = await plan({ notifications: notifications() }, request("ghcr.io/acme/shop:1.3.0"));
    const handlers = [slackHandler, pagerDutyHandler, zendeskHandler] as ActionHandler<any, any>[];
    const changes = (from: typeof a, to: typeof a) => from.actions.map((x, i) => handlers[i].diff!(valid(handlers[i], x.inputs), valid(handlers[i], to.actions[i].inputs)).changes);
    assert.deepEqual(changes(a, same), [false, false, false]);
    assert.deepEqual(changes(a, b), [true, true, true]);
    assert.match((b.actions[0].inputs as { text: string }).text, /shop:1\.3\.0/);
    assert.match((b.actions[1].inputs as { description: string }).description, /shop:1\.3\.0/);
    assert.match((b.actions[2].inputs as { body: string }).body, /shop:1\.3\.0/);
  });

  test("a missing credential, channel or user list is a config error naming the key", async () => {
    const cases: [unknown, string][] = [
      [{ slack: { channel: "#x" } }, "config.notifications.slack.botToken"],
      [{ slack: { botToken: BOT } }, "config.notifications.slack.channel"],
      [{ pagerduty: { from: "a@b.io", users: ["P1"], timeZone: "UTC" } }, "config.notifications.pagerduty.apiKey"],
      [{ pagerduty: { apiKey: PDKEY, from: "a@b.io", users: [], timeZone: "UTC" } }, "config.notifications.pagerduty.users"],
      [{ zendesk: { baseUrl: "https://acme.zendesk.com", email: "a@b.io", requester: { name: "n", email: "n@b.io" } } }, "config.notifications.zendesk.apiToken"],
      [{ zendesk: { baseUrl: "https://acme.zendesk.com", email: "a@b.io", apiToken: ZDTOKEN } }, "config.notifications.zendesk.requester"],
    ];
    for (const [n, key] of cases) {
      await assert.rejects(plan({ notifications: n }), (e: unknown) => {
        assert.ok(e instanceof ValidationError, key);
        assert.equal(e.code, "InvalidConfig");
        assert.ok(e.issues.some((i) => i.path.join(".") === key), `${key} in ${e.message}`);
        assert.match(e.message, new RegExp(key.replace(/\./g, "\\.")));
        for (const s of [BOT, PDKEY, ZDTOKEN]) assert.ok(!e.message.includes(s));
        return true;
      });
    }
  });

  test("the declared inputs are accepted by API stand-ins that check the real shapes", async () => {
    const [slack, pd, zd] = await Promise.all([
      startSlackReceiver({ token: BOT }),
      startPagerDutyReceiver({ apiKey: PDKEY, requireFrom: true }),
      startZendeskReceiver({ email: "agent@acme.io", apiToken: ZDTOKEN }),
    ]);
    try {
      const p = await plan({ notifications: notifications({ slack: slack.url, pd: pd.url, zd: zd.url }) });
      const { ctx, logs } = captureContext();
      const [si, pi, zi] = p.actions.map((a) => a.inputs);
      const s = await slackHandler.create(valid(slackHandler, si), ctx);
      assert.equal(s.channel, "C0PLATFRM2");
      await pagerDutyHandler.create(valid(pagerDutyHandler, pi), ctx);
      assert.equal([...pd.services.values()][0].name, "team-a-shop");
      assert.equal(pd.calls[0].headers.from, "oncall@acme.io");
      await zendeskHandler.create(valid(zendeskHandler, zi), ctx);
      assert.equal([...zd.tickets.values()][0].requester.email, "team-a@acme.io");
      for (const sec of [BOT, PDKEY, ZDTOKEN]) assert.ok(!logs.join("\n").includes(sec));
    } finally {
      await Promise.all([slack.close(), pd.close(), zd.close()]);
    }
  });
});
