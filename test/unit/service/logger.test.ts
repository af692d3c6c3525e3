import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createLogger, logFormat, logSink, maskUrlCredentials, prettyLine } from "../../../service/log/logger";
import { parseReconciled } from "../../../tools/bench/probes";

function capture(format: "json" | "pretty"): { lines: string[]; log: ReturnType<typeof logSink>; logger: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  const logger = createLogger({ format, stream: { write: (s: string) => void lines.push(s) }, env: {} });
  return { lines, log: logSink(logger), logger };
}

describe("service log (pino): JSON lines in production, the message as it always read on a terminal", () => {
  test("JSON mode: one JSON object per line with level, time, msg and the request's stack, team and request", () => {
    const { lines, log } = capture("json");
    log("reconciled default-redis-cache generation 2 in 812 ms", { stack: "default-redis-cache", team: "dev", request: "redis/default/cache" });
    log("plinth: platform up in 3.1 s");
    assert.equal(lines.length, 2);
    assert.ok(lines.every((l) => l.endsWith("\n") && !l.slice(0, -1).includes("\n")), "one line per entry");
    const first = JSON.parse(lines[0]);
    assert.equal(first.level, 30);
    assert.equal(typeof first.time, "number");
    assert.equal(first.msg, "reconciled default-redis-cache generation 2 in 812 ms", "the message text is unchanged");
    assert.deepEqual([first.stack, first.team, first.request], ["default-redis-cache", "dev", "redis/default/cache"]);
    assert.deepEqual(parseReconciled(first.msg), { stack: "default-redis-cache", generation: 2, ms: 812 }, "the bench still reads it");
    const second = JSON.parse(lines[1]);
    assert.equal(second.msg, "plinth: platform up in 3.1 s");
    assert.equal(second.stack, undefined);
  });

  test("child loggers carry their bindings on every line", () => {
    const { lines, logger } = capture("json");
    const child = logSink(logger.child({ stack: "default-web-app-shop", team: "team-a" }));
    child("reconcile of default-web-app-shop failed (attempt 1): boom");
    const o = JSON.parse(lines[0]);
    assert.equal(o.stack, "default-web-app-shop");
    assert.equal(o.team, "team-a");
  });

  test("secrets are redacted by path, at the top level and one object deep, and URL credentials are masked", () => {
    const { lines, log, logger } = capture("json");
    log("connecting to postgres://plinth:hunter2@db:5432/plinth", {
      stack: "s",
      token: "tok-abc123",
      password: "hunter2",
      headers: { authorization: "Bearer tok-abc123", accept: "application/json" },
      config: { secret: "shh", region: "eu-west-1" },
    });
    logger.info({ request: { apiKey: "k-123", name: "cache" } }, "request received");
    const text = lines.join("");
    for (const secret of ["tok-abc123", "hunter2", "shh", "k-123"]) assert.ok(!text.includes(secret), `${secret} was written`);
    const o = JSON.parse(lines[0]);
    assert.equal(o.token, "[Redacted]");
    assert.equal(o.password, "[Redacted]");
    assert.equal(o.headers.authorization, "[Redacted]");
    assert.equal(o.headers.accept, "application/json", "other fields stay");
    assert.equal(o.config.secret, "[Redacted]");
    assert.equal(o.config.region, "eu-west-1");
    assert.equal(o.msg, "connecting to postgres://plinth:***@db:5432/plinth");
    assert.equal(JSON.parse(lines[1]).request.apiKey, "[Redacted]");
    assert.equal(JSON.parse(lines[1]).request.name, "cache");
  });

  test("pretty mode: the message exactly as before, team, stack and request after it, WARN/ERROR before it", () => {
    const { lines, log, logger } = capture("pretty");
    log("  reconciled default-redis-cache generation 1 in 95 ms", { stack: "default-redis-cache", team: "dev", request: "redis/default/cache", token: "tok-x" });
    log("Plinth is running at http://127.0.0.1:8080");
    logger.error("plinth: port 8080 on 127.0.0.1 is already in use");
    assert.deepEqual(lines, [
      "  reconciled default-redis-cache generation 1 in 95 ms  team=dev stack=default-redis-cache request=redis/default/cache\n",
      "Plinth is running at http://127.0.0.1:8080\n",
      "ERROR plinth: port 8080 on 127.0.0.1 is already in use\n",
    ]);
    assert.ok(!lines.join("").includes("tok-x"));
    assert.equal(prettyLine("not json"), "not json\n", "a line that is not JSON passes through");
    assert.equal(prettyLine(JSON.stringify({ level: 30, msg: "m", stack: "s" }), true), "m  \x1b[2mstack=s\x1b[22m\n", "dim fields on a colour terminal");
  });

  test("the format: PLINTH_LOG_FORMAT wins; otherwise pretty on a terminal and JSON when piped; a wrong value says what to use", () => {
    assert.equal(logFormat({ PLINTH_LOG_FORMAT: "json" }, true), "json");
    assert.equal(logFormat({ PLINTH_LOG_FORMAT: "Pretty" }, false), "pretty");
    assert.equal(logFormat({}, true), "pretty");
    assert.equal(logFormat({}, false), "json");
    assert.equal(logFormat({}, undefined), "json");
    assert.throws(() => logFormat({ PLINTH_LOG_FORMAT: "yaml" }, true), /PLINTH_LOG_FORMAT=yaml is not a log format: use json or pretty/);
  });

  test("URL credential masking leaves URLs without credentials alone", () => {
    assert.equal(maskUrlCredentials("git http://git:p4ss@127.0.0.1:8080/git/state.git and https://example.com:443/x"), "git http://git:***@127.0.0.1:8080/git/state.git and https://example.com:443/x");
  });
});
