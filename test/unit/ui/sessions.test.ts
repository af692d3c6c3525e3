import { test } from "node:test";
import assert from "node:assert/strict";
import { MemorySessionStore, csrfProblem, originProblem, readCookie, sessionCookie } from "../../../service/http/sessions";

const dev = { team: "dev", namespaces: ["default"] };

test("a sign-in link works once and expires", () => {
  let now = 1_000_000;
  const s = new MemorySessionStore({ now: () => now, linkTtlMs: 60_000 });
  const a = s.createLink(dev);
  assert.deepEqual(s.redeemLink(a.code), dev);
  assert.equal(s.redeemLink(a.code), undefined, "used up");
  const b = s.createLink(dev);
  now += 60_000;
  assert.equal(s.redeemLink(b.code), undefined, "expired");
  assert.equal(s.redeemLink("made-up"), undefined);
});

test("sessions expire, can be deleted, and have their own CSRF tokens", () => {
  let now = 0;
  const s = new MemorySessionStore({ now: () => now, ttlMs: 1000 });
  const a = s.create(dev);
  const b = s.create(dev);
  assert.notEqual(a.id, b.id);
  assert.notEqual(a.csrf, b.csrf);
  assert.equal(s.get(a.id)?.caller.team, "dev");
  s.delete(b.id);
  assert.equal(s.get(b.id), undefined);
  now = 999;
  assert.ok(s.get(a.id));
  now = 1000;
  assert.equal(s.get(a.id), undefined);
  const c = s.create(dev);
  s.expireAll();
  assert.equal(s.get(c.id), undefined);
});

test("CSRF: safe methods pass; writes need the session's token and a same-host Origin when one is sent", () => {
  const session = { csrf: "tok-123" };
  assert.equal(csrfProblem({ method: "GET" }, session), undefined);
  assert.equal(csrfProblem({ method: "HEAD", origin: "http://evil" }, session), undefined);
  assert.match(csrfProblem({ method: "POST", host: "h:1" }, session)!, /x-plinth-csrf/);
  assert.match(csrfProblem({ method: "DELETE", host: "h:1", csrfHeader: "tok-124" }, session)!, /CSRF token/);
  assert.equal(csrfProblem({ method: "PUT", host: "h:1", csrfHeader: "tok-123" }, session), undefined);
  assert.equal(csrfProblem({ method: "PUT", host: "h:1", origin: "http://h:1", csrfHeader: "tok-123" }, session), undefined);
  assert.match(csrfProblem({ method: "PUT", host: "h:1", origin: "http://evil:1", csrfHeader: "tok-123" }, session)!, /origin/);
  assert.match(originProblem("not a url", "h")!, /not a URL/);
});

test("cookies: read by name; set HttpOnly, SameSite=Strict, Path=/ with a Max-Age", () => {
  assert.equal(readCookie("a=1; plinth_session=xyz; b=2", "plinth_session"), "xyz");
  assert.equal(readCookie("a=1", "plinth_session"), undefined);
  assert.equal(readCookie(undefined, "plinth_session"), undefined);
  assert.equal(sessionCookie("v", 3_600_000), "plinth_session=v; HttpOnly; SameSite=Strict; Path=/; Max-Age=3600");
  assert.equal(sessionCookie("", 0), "plinth_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
});
