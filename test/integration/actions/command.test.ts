import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { runCommandStep, type CommandStepOptions } from "../../../components/workflow/actions";
import { PlinthError, ValidationError } from "../../../components/errors";

const object = {
  apiVersion: "marketplace.plinth.dev/v1",
  kind: "Postgres",
  metadata: { name: "team-a", namespace: "default" },
  spec: { size: "10Gi", teamId: "a" },
};
const kratix: CommandStepOptions["kratix"] = { promiseName: "postgresql", pipelineName: "instance-configure", workflowType: "resource", workflowAction: "configure" };

/** A Kratix-style pipeline script, using cwd-relative paths and the KRATIX_* variables. */
const SCRIPT = `
set -eu
name=$(grep '^  name:' input/object.yaml | awk '{print $2}')
size=$(grep '^  size:' input/object.yaml | awk '{print $2}')
mkdir -p output/platform
cat input/object.yaml > output/object-copy.yaml
cat > "$KRATIX_OUTPUT_DIR/postgres.yaml" <<EOF2
apiVersion: acid.zalan.do/v1
kind: postgresql
metadata:
  name: team-\${name}
spec:
  volume:
    size: \${size}
EOF2
echo "kind: Namespace" > output/platform/ns.yaml
cat > metadata/status.yaml <<EOF2
message: instance \${name} scheduled
size: \${size}
env: $KRATIX_WORKFLOW_TYPE/$KRATIX_WORKFLOW_ACTION/$KRATIX_PROMISE_NAME/$KRATIX_PIPELINE_NAME/$KRATIX_CLUSTER_SCOPED
EOF2
cat > "$KRATIX_METADATA_DIR/destination-selectors.yaml" <<EOF2
- matchLabels:
    environment: dev
- directory: platform
  matchLabels:
    environment: platform
EOF2
printf 'retryAfter: 5m\\nmessage: check again\\n' > metadata/workflow-control.yaml
echo "configured \${name}"
echo "a warning" >&2
`;

const ownTemps = () => fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith("plinth-step-"));

describe("Kratix command step", () => {
  test("a real Kratix-style script's output files, status, selectors and control are returned", async () => {
    const before = new Set(ownTemps());
    const r = await runCommandStep({ script: SCRIPT, object, kratix, env: { PGVERSION: "16" }, image: "ghcr.io/example/ignored:1" });
    assert.deepEqual(Object.keys(r.files).sort(), ["object-copy.yaml", "platform/ns.yaml", "postgres.yaml"]);
    assert.deepEqual(parseYaml(r.files["object-copy.yaml"]), object);
    const pg = parseYaml(r.files["postgres.yaml"]);
    assert.equal(pg.metadata.name, "team-team-a");
    assert.equal(pg.spec.volume.size, "10Gi");
    assert.deepEqual(r.status, { message: "instance team-a scheduled", size: "10Gi", env: "resource/configure/postgresql/instance-configure/false" });
    assert.deepEqual(r.destinationSelectors, [{ matchLabels: { environment: "dev" } }, { directory: "platform", matchLabels: { environment: "platform" } }]);
    assert.deepEqual(r.workflowControl, { retryAfter: "5m", retryAfterMs: 300_000, message: "check again" });
    assert.match(r.logs, /configured team-a/);
    assert.match(r.logs, /a warning/);
    // The temp dir is gone.
    assert.deepEqual(ownTemps().filter((n) => !before.has(n)), []);
  });

  test("argv commands run without a shell, with cwd at the step dir and no inherited secrets", async () => {
    process.env.PLINTH_TEST_HOST_SECRET = "host-only";
    try {
      const r = await runCommandStep({
        command: ["/bin/sh", "-c", 'env | grep -E "^(KRATIX_|PLINTH_TEST_HOST_SECRET|EXTRA)" | sort > output/env.txt; pwd > output/pwd.txt; ls > output/ls.txt'],
        object,
        kratix: { ...kratix, workflowType: "promise", workflowAction: "delete", clusterScoped: true },
        env: { EXTRA: "1" },
      });
      const env = r.files["env.txt"];
      assert.match(env, /^KRATIX_WORKFLOW_TYPE=promise$/m);
      assert.match(env, /^KRATIX_WORKFLOW_ACTION=delete$/m);
      assert.match(env, /^KRATIX_CLUSTER_SCOPED=true$/m);
      assert.match(env, /^EXTRA=1$/m);
      assert.doesNotMatch(env, /PLINTH_TEST_HOST_SECRET/);
      assert.equal(r.files["pwd.txt"].trim(), "/kratix");
      assert.match(env, /^KRATIX_INPUT_DIR=\/kratix\/input$/m);
      assert.match(env, /^KRATIX_OUTPUT_DIR=\/kratix\/output$/m);
      assert.match(env, /^KRATIX_METADATA_DIR=\/kratix\/metadata$/m);
      assert.match(env, /^KRATIX_OBJECT_KIND=Postgres$/m);
      assert.match(env, /^KRATIX_OBJECT_GROUP=marketplace.plinth.dev$/m);
      assert.match(env, /^KRATIX_OBJECT_VERSION=v1$/m);
      assert.match(env, /^KRATIX_OBJECT_NAME=team-a$/m);
      assert.match(env, /^KRATIX_OBJECT_NAMESPACE=default$/m);
      assert.deepEqual(r.files["ls.txt"].trim().split("\n"), ["input", "metadata", "output", "tmp"]);
      assert.deepEqual(r.status, {});
      assert.deepEqual(r.destinationSelectors, []);
      assert.deepEqual(r.workflowControl, {});
    } finally {
      delete process.env.PLINTH_TEST_HOST_SECRET;
    }
  });

  test("a timeout kills the whole process group, including background children", async (t) => {
    const pidDir = fs.mkdtempSync(path.join(os.tmpdir(), "plinth-cmdtest-"));
    t.after(() => fs.rmSync(pidDir, { recursive: true, force: true }));
    const pidFile = path.join(pidDir, "pid");
    const t0 = Date.now();
    await assert.rejects(
      runCommandStep({ script: `sleep 30 & echo $! > ${pidFile}; echo started >&2; wait`, object, kratix, timeoutMs: 500, killGraceMs: 200 }),
      (err: unknown) => {
        assert.ok(err instanceof PlinthError);
        assert.equal(err.code, "CommandStepTimedOut");
        assert.match(err.message, /postgresql\/instance-configure ran longer than 500 ms/);
        assert.match(err.message, /started/);
        return true;
      },
    );
    const took = Date.now() - t0;
    assert.ok(took < 3000, `took ${took} ms`);
    const pid = Number(fs.readFileSync(pidFile, "utf8"));
    assert.ok(pid > 0);
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(!alive(pid), `background sleep ${pid} is still running`);
    fs.rmSync(path.dirname(pidFile), { recursive: true, force: true });
  });

  test("a non-zero exit fails naming the step, with the stderr tail and secrets redacted", async () => {
    await assert.rejects(
      runCommandStep({ name: "render-db", script: 'for i in $(seq 1 40); do echo "line $i" >&2; done; echo "token=$DB_TOKEN" >&2; exit 3', object, kratix, env: { DB_TOKEN: "s3cr3t-db-token" }, secrets: ["s3cr3t-db-token"] }),
      (err: unknown) => {
        assert.ok(err instanceof PlinthError);
        assert.equal(err.code, "CommandStepFailed");
        assert.match(err.message, /^command step render-db exited with code 3; stderr: /);
        assert.match(err.message, /line 40\ntoken=\[REDACTED\]$/);
        assert.doesNotMatch(err.message, /line 5\n/);
        assert.ok(!JSON.stringify(err).includes("s3cr3t-db-token"));
        assert.equal((err.details as { exitCode: number }).exitCode, 3);
        return true;
      },
    );
  });

  test("oversize output is refused", async () => {
    await assert.rejects(
      runCommandStep({ script: "head -c 3000 /dev/zero > output/a.bin; head -c 3000 /dev/zero > output/b.bin", object, kratix, maxOutputBytes: 5000 }),
      (err: unknown) => err instanceof PlinthError && err.code === "CommandStepOutputTooLarge" && /more than 5000 bytes/.test(err.message),
    );
    const ok = await runCommandStep({ script: "head -c 3000 /dev/zero > output/a.bin", object, kratix, maxOutputBytes: 5000 });
    assert.equal(ok.files["a.bin"].length, 3000);
  });

  test("symlinks in output and malformed metadata are refused", async () => {
    await assert.rejects(runCommandStep({ script: "ln -s /etc/passwd output/passwd", object, kratix }), /output\/passwd is not a regular file/);
    await assert.rejects(runCommandStep({ script: "echo 'matchLabels: {a: b}' > metadata/destination-selectors.yaml", object, kratix }), /destination-selectors.yaml must be a YAML list/);
    await assert.rejects(runCommandStep({ script: "echo '- directory: ../x\n  matchLabels: {a: b}' > metadata/destination-selectors.yaml", object, kratix }), /\[0\]\.directory must be a relative directory/);
    await assert.rejects(runCommandStep({ script: "echo 'retryAfter: soon' > metadata/workflow-control.yaml", object, kratix }), /retryAfter must be a duration/);
  });

  test("a script written for a Kratix image uses /kratix/... unchanged; two steps at once each see only their own /kratix", async () => {
    const script = (tag: string) => `set -eu
test "$(ls /tmp/plinth-steps 2>/dev/null | wc -l)" = 0
name=$(sed -n 's/^  name: //p' /kratix/input/object.yaml)
echo "${tag}" > /kratix/output/${tag}.txt
sleep 0.5
seen=$(ls /kratix/output); echo "$seen" > /kratix/output/seen-${tag}.txt
printf 'message: %s from %s\\n' "$name" "$KRATIX_CRD_PLURAL" > /kratix/metadata/status.yaml`;
    const kx = { ...kratix, crdPlural: "postgreses" };
    const [a, b] = await Promise.all([runCommandStep({ script: script("a"), object, kratix: kx }), runCommandStep({ script: script("b"), object, kratix: kx })]);
    assert.deepEqual(a.files["seen-a.txt"].trim().split("\n"), ["a.txt"]);
    assert.deepEqual(b.files["seen-b.txt"].trim().split("\n"), ["b.txt"]);
    assert.deepEqual(a.status, { message: "team-a from postgreses" });
    assert.ok(!fs.existsSync("/kratix/output"), "nothing is mounted on the host's /kratix");
  });

  test("output is streamed line by line while the step runs, redacted", async () => {
    const got: [string, string][] = [];
    const r = await runCommandStep({
      script: 'for i in 1 2 3; do echo "out $i $API_TOKEN"; done; printf "no newline" >&2',
      object,
      kratix,
      env: { API_TOKEN: "tok-123456" },
      onOutput: (stream, text) => got.push([stream, text]),
    });
    const out = got.filter(([s]) => s === "stdout").map(([, t]) => t).join("");
    assert.equal(out, "out 1 [REDACTED]\nout 2 [REDACTED]\nout 3 [REDACTED]\n");
    assert.deepEqual(got.filter(([s]) => s === "stderr"), [["stderr", "no newline\n"]]);
    assert.doesNotMatch(r.logs, /tok-123456/);
  });

  test("the output limit is enforced while the step runs: a step writing without end is stopped", async () => {
    await assert.rejects(
      runCommandStep({ script: "while true; do head -c 10000 /dev/zero >> /kratix/output/big.bin; sleep 0.01; done", object, kratix, maxOutputBytes: 200_000, timeoutMs: 60_000, killGraceMs: 200 }),
      (err: unknown) => err instanceof PlinthError && err.code === "CommandStepOutputTooLarge" && /while it ran, so it was stopped/.test(err.message),
    );
  });

  test("bad options fail before anything runs", async () => {
    await assert.rejects(runCommandStep({ object, kratix } as CommandStepOptions), (err: unknown) => err instanceof ValidationError && err.issues[0].path[0] === "command");
    await assert.rejects(runCommandStep({ script: "true", object, kratix: { ...kratix, promiseName: "" } }), (err: unknown) => err instanceof ValidationError && err.issues.some((i) => i.path.join(".") === "kratix.promiseName"));
    await assert.rejects(runCommandStep({ command: ["/no/such/binary"], object, kratix }), /could not start \/no\/such\/binary/);
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie (not yet reaped by an init that never reaps) no longer runs.
  try {
    return !/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}
