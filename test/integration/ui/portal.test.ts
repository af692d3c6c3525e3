/**
 * The web portal in a real headless Chromium (from the @sparticuz/chromium npm package, driven by
 * playwright-core) against one real platform (engine, Git): the sign-in-to-delete journey, 422 errors
 * beside their field, tenancy, expired sessions, sign-out, an axe-core scan, no console errors; and the
 * session API's CSRF rules over plain HTTP. Set PLINTH_UPDATE_SCREENSHOTS=1 to refresh docs/*.png.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { main as cli } from "../../../cli/main";
import { sha256Hex } from "../../../service/core";
import { startTestPlatform, type TestPlatform } from "../../support/platform";

const TEAM_B_TOKEN = "team-b-token-portal-0123456789";
const config = {
  stateStores: [{ name: "default", embedded: true }],
  destinations: [
    { name: "dev", labels: { env: "dev" } },
    { name: "prod", labels: { env: "prod" } },
  ],
  promises: [{ name: "namespace" }, { name: "redis" }, { name: "postgresql" }],
  teams: [
    { name: "dev", namespaces: ["default", "team-a", "team-a-ns", "team-c-ns"] }, // teams own the namespaces their TeamNamespaces create
    { name: "team-b", namespaces: ["team-b", "b-only"], tokenSha256: sha256Hex(TEAM_B_TOKEN) },
  ],
};

const root = path.resolve(__dirname, "../../..");
const SHOTS = process.env.PLINTH_UPDATE_SCREENSHOTS === "1" ? path.join(root, "docs") : undefined;
/** API answers the UI handles and shows (sign-in, field errors, not yours), which Chromium also logs as failed loads. */
const EXPECTED_LOAD_ERRORS = /Failed to load resource: the server responded with a status of (401|403|404|422)/;

async function launch(): Promise<Browser> {
  const sparticuz = (await import("@sparticuz/chromium")).default;
  const { chromium } = await import("playwright-core");
  // Keep the browser's web security on (the package's serverless flags turn it off); no network calls out.
    // --single-process crashes when a context closes; Chromium's usual process model is fine here.
  const args = sparticuz.args.filter((a) => !/^--(disable-web-security|allow-running-insecure-content|disable-site-isolation-trials|single-process)$/.test(a));
  args.push("--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run");
  return chromium.launch({ executablePath: await sparticuz.executablePath(), args, headless: true });
}

describe("web portal in headless Chromium", () => {
  let t: TestPlatform;
  let browser: Browser;
  let url: string;
  const consoleErrors: string[] = [];

  const call = (method: string, p: string, token: string, body?: unknown) =>
    fetch(`${url}${p}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  async function newPage(ctx?: BrowserContext): Promise<{ page: Page; ctx: BrowserContext }> {
    const c = ctx ?? (await browser.newContext({ viewport: { width: 1280, height: 860 } }));
    const page = await c.newPage();
    page.on("console", (m) => {
      if (m.type() === "error" && !EXPECTED_LOAD_ERRORS.test(m.text())) consoleErrors.push(`${page.url()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
    return { page, ctx: c };
  }

  async function signIn(): Promise<{ page: Page; ctx: BrowserContext }> {
    const r = await newPage();
    await r.page.goto(t.platform.portalLink()!);
    await r.page.getByRole("heading", { name: "Catalog", level: 1 }).waitFor();
    return r;
  }

  async function shot(page: Page, name: string): Promise<void> {
    const file = SHOTS ? path.join(SHOTS, `${name}.png`) : path.join(t.dir, `${name}.png`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await page.screenshot({ path: file, fullPage: true });
    assert.ok(fs.statSync(file).size > 1000, `screenshot ${name} written`);
  }

  async function axe(page: Page, where: string): Promise<void> {
    const source = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
    await page.evaluate(source); // evaluate is not subject to the page's CSP (an injected <script> would be)
    const violations = (await page.evaluate(
      `axe.run({ resultTypes: ["violations"] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target.join(" ")) })))`,
    )) as { id: string; impact: string; targets: string[] }[];
    const bad = violations.filter((v) => v.impact === "serious" || v.impact === "critical" || v.id === "label");
    assert.deepEqual(bad, [], `${where}: accessibility violations ${JSON.stringify(bad, null, 1)}`);
  }

  before(async () => {
    t = await startTestPlatform();
    await t.platform.up(config);
    await t.platform.serve({ retryBaseMs: 50 });
    url = t.platform.url;
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await t?.cleanup();
  });

  test("journey: `plinth ui` link → catalog → redis form → preview → submit → Ready live → outputs → delete → gone", async () => {
    let out = "";
    const opened: string[] = [];
    const code = await cli(["ui"], {
      stdout: (text) => void (out += text),
      env: { PLINTH_URL: url, PLINTH_TOKEN: t.platform.devToken },
      cwd: t.dir,
      openUrl: (u) => void opened.push(u),
    });
    assert.equal(code, 0);
    const link = /^\s+(http:\/\/\S+)$/m.exec(out)![1];
    assert.deepEqual(opened, [link], "plinth ui tries to open the link it prints");
    assert.match(out, /as team dev/);
    const { page, ctx } = await newPage();
    await page.goto(link);
    await page.getByRole("heading", { name: "Catalog", level: 1 }).waitFor();
    assert.match(page.url(), /\/ui\/#\/$/, "the one-time code is gone from the address bar");
    for (const p of t.platform.outputs!.promises) {
      await page.getByRole("heading", { name: p.name, level: 2, exact: true }).waitFor();
    }
    await page.getByRole("rowheader", { name: "web-app" }).waitFor(); // the Marketplace lists what is not installed
    await axe(page, "catalog");
    await shot(page, "portal-catalog");

    await page.getByRole("link", { name: "Request redis" }).click();
    await page.getByRole("heading", { name: /Request redis/ }).waitFor();
    await page.getByLabel("Name", { exact: true }).fill("cache-a");
    await page.getByLabel("Size").selectOption("large");
    const yaml = page.getByLabel("YAML");
    assert.match(await yaml.inputValue(), /name: cache-a[\s\S]*size: large/, "the YAML view follows the form");
    // ...and the form follows the YAML.
    await yaml.fill((await yaml.inputValue()).replace("size: large", "size: small"));
    assert.equal(await page.getByLabel("Size").inputValue(), "small");
    await page.getByLabel("Size").selectOption("large");

    await page.getByRole("button", { name: "Preview" }).click();
    const preview = page.getByRole("region", { name: "Preview" });
    await preview.getByText(/resources\/default\/redis\/cache-a/).first().waitFor();
    assert.match(await preview.locator("pre.diff").filter({ hasText: "RedisFailover" }).innerText(), /RedisFailover[\s\S]*replicas: 3/);
    await axe(page, "request form with preview");
    await shot(page, "portal-request-form");

    await page.evaluate("window.noReload = true");
    await page.getByLabel("Name", { exact: true }).press("Enter"); // keyboard submit
    await page.waitForURL(/#\/requests$/);
    const row = page.locator('tr[data-request="default/redis/cache-a"]');
    await row.waitFor();
    await row.getByText("Ready", { exact: true }).waitFor({ timeout: 120_000 });
    assert.equal(await page.evaluate("window.noReload"), true, "turned Ready without a reload");
    const stored = (await (await call("GET", "/v1/requests/default/redis/cache-a", t.platform.devToken)).json()) as {
      status: { destinations: string[]; outputs: Record<string, unknown> };
    };
    assert.equal(await row.locator("td").nth(4).innerText(), stored.status.destinations.join(", "));
    await axe(page, "requests");
    await shot(page, "portal-requests");

    await row.getByRole("link", { name: "cache-a" }).click();
    await page.getByRole("heading", { name: /redis cache-a/ }).waitFor();
    assert.ok(Object.keys(stored.status.outputs).length > 0, "redis has outputs");
    for (const [k, v] of Object.entries(stored.status.outputs)) {
      assert.equal(await page.locator(`[data-output="${k}"]`).innerText(), typeof v === "string" ? v : JSON.stringify(v));
      await page.getByRole("button", { name: `Copy ${k}` }).waitFor();
    }
    const conditions = page.getByRole("region", { name: "Conditions" });
    const readyRow = conditions.getByRole("row").filter({ has: page.getByRole("rowheader", { name: "Ready", exact: true }) });
    assert.equal(await readyRow.getByRole("cell").first().innerText(), "True");
    await page.getByRole("region", { name: "Files" }).getByText(/resources\/default\/redis\/cache-a/).first().waitFor();
    await axe(page, "detail");
    await shot(page, "portal-detail");

    await page.getByRole("button", { name: "Delete", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: "Delete cache-a?" });
    await dialog.waitFor();
    await dialog.getByRole("button", { name: "Delete cache-a" }).click();
    await page.waitForURL(/#\/requests$/, { timeout: 120_000 });
    await page.locator('tr[data-request="default/redis/cache-a"]').waitFor({ state: "detached", timeout: 60_000 });
    assert.equal((await call("GET", "/v1/requests/default/redis/cache-a", t.platform.devToken)).status, 404);

    await page.getByRole("link", { name: "Destinations" }).click();
    await page.getByRole("rowheader", { name: "prod" }).waitFor();
    await axe(page, "destinations");
    await shot(page, "portal-destinations");
    await ctx.close();
  });

  test("a bad field shows the API's 422 message beside it; nothing is created", async () => {
    const { page, ctx } = await signIn();
    await page.goto(`${url}/ui/#/new/postgresql`);
    await page.getByRole("heading", { name: /Request postgresql/ }).waitFor();
    await page.getByLabel("Name", { exact: true }).fill("db-a");
    await page.getByLabel("Team Id").fill("Not_Valid!");
    await page.getByRole("button", { name: "Submit" }).click();
    const input = page.getByLabel("Team Id");
    await page.waitForFunction(`document.querySelector("[aria-invalid=true]") !== null`);
    assert.equal(await input.getAttribute("aria-invalid"), "true");
    const errId = (await input.getAttribute("aria-describedby"))!.split(" ").find((id) => id.endsWith("-err"))!;
    const shown = await page.locator(`#${errId}`).innerText();
    const pg = t.platform.outputs!.promises.find((p) => p.name === "postgresql")!;
    const api = await call("POST", "/v1/requests", t.platform.devToken, {
      apiVersion: pg.apiVersion,
      kind: pg.kind,
      metadata: { name: "db-a", namespace: "default" },
      spec: { teamId: "Not_Valid!" },
    });
    const body = (await api.json()) as { details: { issues: { path: string[]; message: string }[] } };
    assert.equal(api.status, 422);
    const issue = body.details.issues.find((i) => i.path.join(".") === "spec.teamId")!;
    assert.equal(shown, issue.message);
    await page.getByRole("alert").filter({ hasText: "Fix the fields marked below" }).waitFor();
    await axe(page, "form with errors");
    assert.equal((await call("GET", `/v1/requests/default/${pg.kind}/db-a`, t.platform.devToken)).status, 404);
    await ctx.close();
  });

  test("another team's requests are not visible", async () => {
    const res = await call("POST", "/v1/requests", TEAM_B_TOKEN, {
      apiVersion: "plinth.dev/v1alpha1",
      kind: "TeamNamespace",
      metadata: { name: "b-only", namespace: "team-b" },
      spec: { team: "b" },
    });
    assert.equal(res.status, 202);
    const { page, ctx } = await signIn();
    await page.goto(`${url}/ui/#/requests`);
    await page.getByRole("heading", { name: "Requests", level: 1 }).waitFor();
    await page.getByText(/No requests yet|requests, updated live/).first().waitFor();
    assert.equal(await page.locator('tr[data-request="team-b/TeamNamespace/b-only"]').count(), 0);
    assert.equal(await page.getByText("b-only").count(), 0);
    await page.goto(`${url}/ui/#/requests/team-b/TeamNamespace/b-only`);
    await page.getByRole("alert").filter({ hasText: /Forbidden|not found|may not/i }).waitFor();
    await ctx.close();
  });

  test("an expired session goes back to sign-in; a pasted token signs in; sign-out ends the session; a link works once", async () => {
    const link = t.platform.portalLink()!;
    const { page, ctx } = await newPage();
    await page.goto(link);
    await page.getByRole("heading", { name: "Catalog", level: 1 }).waitFor();
    t.platform.sessions.expireAll();
    await page.getByRole("link", { name: "Requests" }).click();
    await page.getByRole("heading", { name: "Sign in to the Plinth portal" }).waitFor();
    await page.getByText(/session has expired/).waitFor();
    await axe(page, "sign-in");
    await shot(page, "portal-sign-in");

    await page.getByLabel("API token").fill(t.platform.devToken);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Requests", level: 1 }).waitFor();

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByText("You are signed out.").waitFor();
    await page.reload();
    await page.getByRole("heading", { name: "Sign in to the Plinth portal" }).waitFor();

    await page.goto(link); // used already
    await page.getByRole("alert").filter({ hasText: /used already or has expired/ }).waitFor();
    await ctx.close();
  });

  test("dark theme: the system preference, and the toggle", async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 }, colorScheme: "dark" });
    const { page } = await newPage(ctx);
    await page.goto(t.platform.portalLink()!);
    await page.getByRole("heading", { name: "Catalog", level: 1 }).waitFor();
    const bg = () => page.evaluate("getComputedStyle(document.body).backgroundColor");
    assert.equal(await bg(), "rgb(13, 17, 23)");
    await axe(page, "catalog, dark");
    for (const name of ["team-a-ns", "team-c-ns"]) {
      const body = { apiVersion: "plinth.dev/v1alpha1", kind: "TeamNamespace", metadata: { name, namespace: "team-a" }, spec: { team: name } };
      assert.equal((await call("POST", "/v1/requests", t.platform.devToken, body)).status, 202);
    }
    await page.goto(`${url}/ui/#/requests?namespace=team-a`);
    await page.getByRole("heading", { name: "Requests", level: 1 }).waitFor();
    for (const name of ["team-a-ns", "team-c-ns"]) {
      await page.locator(`tr[data-request="team-a/TeamNamespace/${name}"]`).getByText("Ready", { exact: true }).waitFor({ timeout: 120_000 });
    }
    await axe(page, "requests, dark");
    await shot(page, "portal-requests-dark");
    await page.getByRole("button", { name: "Switch to the light theme" }).click();
    assert.equal(await bg(), "rgb(255, 255, 255)");
    await ctx.close();
  });

  test("no console errors on any page", () => {
    assert.deepEqual(consoleErrors, []);
  });

  test("session API: links are one-time; cookie writes need the CSRF token and a same-origin Origin; bearer tokens still work", async () => {
    const link = (await (await call("POST", "/v1/session/links", t.platform.devToken)).json()) as { url: string; team: string };
    assert.equal(link.team, "dev");
    const code = new URL(link.url.replace("#/signin?", "?")).searchParams.get("code")!;
    const signin = (body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${url}/v1/session/signin`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
    assert.equal((await signin({ code }, { origin: "http://evil.example" })).status, 403, "login CSRF refused");
    const ok = await signin({ code });
    assert.equal(ok.status, 201);
    const cookie = ok.headers.get("set-cookie")!;
    assert.match(cookie, /^plinth_session=[^;]+; HttpOnly; SameSite=Strict; Path=\/; Max-Age=\d+$/);
    const { csrfToken } = (await ok.json()) as { csrfToken: string };
    assert.equal((await signin({ code })).status, 401, "a link works once");

    const jar = cookie.split(";")[0];
    const withCookie = (method: string, p: string, headers: Record<string, string> = {}) => fetch(`${url}${p}`, { method, headers: { cookie: jar, ...headers } });
    assert.equal((await withCookie("GET", "/v1/requests")).status, 200);
    const noToken = await withCookie("DELETE", "/v1/requests/default/TeamNamespace/nope");
    assert.equal(noToken.status, 403);
    assert.equal(((await noToken.json()) as { code: string }).code, "CsrfRejected");
    assert.equal((await withCookie("DELETE", "/v1/requests/default/TeamNamespace/nope", { "x-plinth-csrf": csrfToken, origin: "http://evil.example" })).status, 403);
    assert.equal((await withCookie("DELETE", "/v1/requests/default/TeamNamespace/nope", { "x-plinth-csrf": csrfToken })).status, 404, "passes CSRF, then not found");
    assert.equal((await call("GET", "/v1/requests", t.platform.devToken)).status, 200, "bearer tokens keep working");

    const ui = (p: string) => fetch(`${url}${p}`, { redirect: "manual" });
    const redirect = await ui("/ui");
    assert.deepEqual([redirect.status, redirect.headers.get("location")], [308, "/ui/"]);
    const index = await ui("/ui/");
    assert.equal(index.status, 200);
    assert.match(index.headers.get("content-security-policy")!, /script-src 'self'/);
    assert.match(await index.text(), /<script type="module" src="app.js">/);
    assert.match((await ui("/ui/app.js")).headers.get("content-type")!, /^text\/javascript/);
    assert.equal((await ui("/ui/../package.json")).status, 404);
    assert.equal((await ui("/ui/nope.js")).status, 404);
    assert.equal((await withCookie("DELETE", "/v1/session", { "x-plinth-csrf": csrfToken })).status, 200);
    const after = await withCookie("GET", "/v1/requests");
    assert.equal(after.status, 401);
    assert.equal(((await after.json()) as { code: string }).code, "SessionExpired");
  });
});
