/**
 * Remote execution against a real redis-server and real `dagrun worker` processes: a DAG spread
 * over workers with its output and report, signed jobs, and the start-up errors.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { after, before, describe, test } from "node:test";
import { readJson, runCli, taskFile, tempDir } from "./_helpers.ts";
import {
  freePort,
  type RedisServer,
  redisServer,
  skipWithoutRedis,
  startRedis,
  startWorker,
  TEST_KEY,
  type WorkerProcess,
} from "./_redis.ts";

test("redis-server is installed where the remote tests must run (CI)", { skip: !process.env.CI }, () => {
  assert.ok(redisServer, "redis-server is missing: .ci/run installs it with apt-get install redis-server");
});

describe("remote execution", { skip: skipWithoutRedis }, () => {
  let redis: RedisServer;
  let workers: WorkerProcess[];
  const env = () => ({ DAGRUN_KEY: TEST_KEY });

  before(async () => {
    redis = await startRedis();
    workers = await Promise.all([1, 2, 3].map(() => startWorker(redis.url, ["--slots", "2"])));
  });
  after(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await redis.stop();
  });

  test("a DAG runs spread over the workers: output, order, report with queuedMs and worker", async () => {
    // root → six in parallel (more than one worker's 2 slots) → join
    const tasks = [{ name: "root", type: "exec", arguments: "echo root-out" }];
    for (let i = 1; i <= 6; i++) {
      tasks.push(
        {
          name: `mid${i}`,
          type: "exec",
          arguments: `echo mid${i}-line1; sleep 0.4; echo mid${i}-line2 >&2`,
          dependencies: ["root"],
        } as (typeof tasks)[0],
      );
    }
    tasks.push(
      {
        name: "join",
        type: "exec",
        arguments: "echo joined",
        dependencies: tasks.slice(1).map((t) => t.name),
      } as (typeof tasks)[0],
    );
    const dir = tempDir();
    const report = join(dir, "report.json");
    const file = taskFile({ tasks });
    const trace = join(dir, "trace.json");
    const r = await runCli(["run", file, "--redis", redis.url, "--report-json", report, "--trace", trace], {
      env: env(),
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\[root\] root-out$/m);
    for (let i = 1; i <= 6; i++) {
      assert.match(r.stdout, new RegExp(`^\\[mid${i}\\] mid${i}-line1$`, "m"));
      assert.match(r.stderr, new RegExp(`^\\[mid${i}\\] mid${i}-line2$`, "m"));
    }
    assert.match(r.stdout, /^\[join\] joined$/m);
    const at = (line: string) => r.stdout.indexOf(line);
    assert.ok(at("Ended : root") < at("Started: mid1"));
    for (let i = 1; i <= 6; i++) assert.ok(at(`Ended : mid${i}`) < at("Started: join"));
    const json = readJson(report);
    assert.equal(json.ok, true);
    const pids = new Set(workers.map((w) => w.pid));
    const used = new Set<number>();
    for (const t of json.tasks) {
      assert.equal(t.status, "ok");
      assert.equal(t.exitCode, 0);
      assert.ok(typeof t.queuedMs === "number" && t.queuedMs >= 0, `${t.name}: queuedMs ${t.queuedMs}`);
      const pid = Number(t.worker?.split(":").at(-1));
      assert.ok(pids.has(pid), `${t.name} ran on ${t.worker}, not one of the workers`);
      used.add(pid);
    }
    assert.ok(used.size >= 2, `6 parallel tasks on workers with 2 slots each used ${used.size} worker(s)`);
    // The trace's slice of each task says how long it was queued and where it ran.
    const slices = readJson<{ traceEvents: { ph: string; name: string; args: Record<string, unknown> }[] }>(
      trace,
    )
      .traceEvents.filter((e) => e.ph === "X");
    assert.equal(slices.length, json.tasks.length);
    for (const slice of slices) {
      const task = json.tasks.find((t) => t.name === slice.name)!;
      assert.equal(slice.args.queuedMs, task.queuedMs);
      assert.equal(slice.args.worker, task.worker);
    }
    // Each worker logs one line per job it ran.
    const logged = workers.map((w) => w.log().match(/: ok in /g)?.length ?? 0).reduce((a, b) => a + b);
    assert.ok(logged >= json.tasks.length, `the workers logged ${logged} jobs`);
  });

  test("exit codes, signals, env, cwd and a missing cwd come back as locally; the worker stays up", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "marker"), "");
    const report = join(tempDir(), "report.json");
    const file = taskFile({
      tasks: [
        { name: "code", type: "exec", arguments: "exit 7" },
        { name: "signal", type: "exec", arguments: "kill -TERM $$" },
        { name: "env", type: "exec", arguments: "echo $GREETING", env: { GREETING: "hello-remote" } },
        { name: "cwd", type: "exec", arguments: "ls", cwd: dir },
        { name: "nowhere", type: "exec", arguments: "true", cwd: join(dir, "no-such-dir") },
      ],
    });
    const r = await runCli([file, "--redis", redis.url, "--report-json", report], { env: env() });
    assert.equal(r.code, 1, r.stderr);
    const t = Object.fromEntries(readJson(report).tasks.map((t) => [t.name, t]));
    assert.equal(t.code.exitCode, 7);
    assert.equal(t.code.error, "exit code 7");
    assert.equal(t.signal.signal, "SIGTERM");
    assert.equal(t.env.status, "ok");
    assert.match(r.stdout, /^\[env\] hello-remote$/m);
    assert.match(r.stdout, /^\[cwd\] marker$/m);
    assert.equal(t.nowhere.status, "failed");
    assert.match(t.nowhere.error!, /working directory .*no-such-dir does not exist/);
    for (const w of workers) assert.ok(w.child.exitCode === null, "a worker exited");
  });

  test("a job signed with another key is refused: the task fails saying so, the worker logs it", async () => {
    const file = taskFile({ tasks: [{ name: "evil", type: "exec", arguments: "echo should-not-run" }] });
    const r = await runCli([file, "--redis", redis.url], { env: { DAGRUN_KEY: "not-the-workers-key" } });
    assert.equal(r.code, 1, r.stderr);
    assert.doesNotMatch(r.stdout, /should-not-run/);
    assert.match(r.stdout, /evil +failed .*refused by worker .*bad signature/);
    assert.ok(workers.some((w) => /refused: bad signature/.test(w.log())));
  });

  test("--timeout counts from when the worker starts the task", async () => {
    const report = join(tempDir(), "report.json");
    const file = taskFile({ tasks: [{ name: "slow", type: "exec", arguments: "sleep 30", timeout: 1 }] });
    const t0 = Date.now();
    const r = await runCli([file, "--redis", redis.url, "--report-json", report], { env: env() });
    assert.equal(r.code, 1);
    assert.ok(Date.now() - t0 < 20_000);
    const [slow] = readJson(report).tasks;
    assert.equal(slow.timedOut, true);
    assert.equal(slow.error, "timed out after 1 s");
  });

  test("eval tasks run in the coordinator unless --remote-eval; a worker without --allow-eval refuses them", async () => {
    const report = join(tempDir(), "report.json");
    const file = taskFile({
      tasks: [{ name: "where", type: "eval", arguments: "console.log('pid', process.pid)" }],
    });
    const local = await runCli([file, "--redis", redis.url, "--report-json", report], { env: env() });
    assert.equal(local.code, 0, local.stderr);
    assert.equal(readJson(report).tasks[0].worker, undefined);
    const remote = await runCli([file, "--redis", redis.url, "--remote-eval"], { env: env() });
    assert.equal(remote.code, 1);
    assert.match(remote.stdout, /refused by worker .*eval tasks need a worker started with --allow-eval/);
  });

  test("--remote-eval with a worker started with --allow-eval runs the snippet there", async () => {
    const queue = "eval-queue";
    const evalWorker = await startWorker(redis.url, ["--queue", queue, "--allow-eval"]);
    try {
      const report = join(tempDir(), "report.json");
      const file = taskFile({
        tasks: [{ name: "where", type: "eval", arguments: "console.log('ran in', process.pid)" }],
      });
      const r = await runCli(
        [file, "--redis", redis.url, "--queue", queue, "--remote-eval", "--report-json", report],
        { env: env() },
      );
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, new RegExp(`^\\[where\\] ran in ${evalWorker.pid}$`, "m"));
      assert.equal(readJson(report).tasks[0].worker?.endsWith(`:${evalWorker.pid}`), true);
    } finally {
      await evalWorker.stop();
    }
  });
});

describe("remote execution: start-up errors", { skip: skipWithoutRedis }, () => {
  const file = () => taskFile({ tasks: [{ name: "a", type: "exec", arguments: "echo ran" }] });

  test("Redis unreachable: exit 2 before anything runs, one line naming the URL, password masked", async () => {
    const port = await freePort();
    const t0 = Date.now();
    const r = await runCli([file(), "--redis", `redis://user:hunter2@127.0.0.1:${port}`], {
      env: { DAGRUN_KEY: TEST_KEY },
    });
    assert.equal(r.code, 2);
    assert.ok(Date.now() - t0 < 20_000);
    assert.equal(r.stdout, "");
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`cannot connect to Redis at redis://user:\\*\\*\\*@127\\.0\\.0\\.1:${port}`),
    );
    assert.doesNotMatch(r.stderr, /hunter2/);
  });

  test("a bad URL or scheme: exit 2 with what to write", async () => {
    const scheme = await runCli([file(), "--redis", "http://127.0.0.1:6379"], {
      env: { DAGRUN_KEY: TEST_KEY },
    });
    assert.equal(scheme.code, 2);
    assert.match(scheme.stderr, /unknown scheme "http" .*use redis:\/\/ or rediss:\/\//);
    const garbage = await runCli(["worker", "--redis", "not a url"], { env: { DAGRUN_KEY: TEST_KEY } });
    assert.equal(garbage.code, 2);
    assert.match(garbage.stderr, /is not a URL/);
  });

  test("DAGRUN_REDIS stands in for --redis", async () => {
    const port = await freePort();
    const r = await runCli([file()], {
      env: { DAGRUN_KEY: TEST_KEY, DAGRUN_REDIS: `redis://127.0.0.1:${port}` },
    });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cannot connect to Redis/);
  });

  test("without a key, coordinator and worker refuse to start unless --insecure", async () => {
    const redis = await startRedis();
    try {
      const run = await runCli([file(), "--redis", redis.url], { env: { DAGRUN_KEY: "" } });
      assert.equal(run.code, 2);
      assert.match(run.stderr, /no key to sign jobs with: set DAGRUN_KEY or give --key-file/);
      const worker = await runCli(["worker", "--redis", redis.url], { env: { DAGRUN_KEY: "" } });
      assert.equal(worker.code, 2);
      assert.match(worker.stderr, /no key to sign jobs with/);
      const insecure = await startWorker(redis.url, ["--insecure"], { DAGRUN_KEY: "" });
      try {
        const r = await runCli([file(), "--redis", redis.url, "--insecure"], { env: { DAGRUN_KEY: "" } });
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^\[a\] ran$/m);
      } finally {
        await insecure.stop();
      }
    } finally {
      await redis.stop();
    }
  });

  test("--key-file: the key is read from a file, on both sides", async () => {
    const redis = await startRedis();
    const keyFile = join(tempDir(), "key");
    writeFileSync(keyFile, "file-key\n");
    const worker = await startWorker(redis.url, ["--key-file", keyFile], { DAGRUN_KEY: "" });
    try {
      const r = await runCli([file(), "--redis", redis.url, "--key-file", keyFile], {
        env: { DAGRUN_KEY: "" },
      });
      assert.equal(r.code, 0, r.stdout + r.stderr);
    } finally {
      await worker.stop();
      await redis.stop();
    }
  });
});

/** A CA and a certificate for 127.0.0.1 signed by it, made with openssl; undefined without openssl. */
function makeCertificates(): { dir: string; ca: string; cert: string; key: string } | undefined {
  const dir = tempDir();
  const run = (...args: string[]) => spawnSync("openssl", args, { cwd: dir, stdio: "ignore" }).status === 0;
  writeFileSync(join(dir, "ext.cnf"), "subjectAltName=IP:127.0.0.1\n");
  const ok = run(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "ca.key",
    "-out",
    "ca.crt",
    "-days",
    "1",
    "-subj",
    "/CN=dagrun-test-ca",
  ) &&
    run(
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "redis.key",
      "-out",
      "redis.csr",
      "-subj",
      "/CN=127.0.0.1",
    ) &&
    run(
      "x509",
      "-req",
      "-in",
      "redis.csr",
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "redis.crt",
      "-days",
      "1",
      "-extfile",
      "ext.cnf",
    );
  return ok
    ? { dir, ca: join(dir, "ca.crt"), cert: join(dir, "redis.crt"), key: join(dir, "redis.key") }
    : undefined;
}

describe("remote execution over TLS", { skip: skipWithoutRedis }, () => {
  test("rediss://: a run and a worker through a TLS port; a certificate nobody vouches for is one line, exit 2", async (t) => {
    const certs = makeCertificates();
    if (!certs) return t.skip("openssl is not installed");
    const tlsPort = await freePort();
    const redis = await startRedis(undefined, [
      "--tls-port",
      String(tlsPort),
      "--tls-cert-file",
      certs.cert,
      "--tls-key-file",
      certs.key,
      "--tls-ca-cert-file",
      certs.ca,
      "--tls-auth-clients",
      "no",
    ]);
    const url = `rediss://127.0.0.1:${tlsPort}`;
    // Node and Deno each read their own variable for an extra CA.
    const trust = { NODE_EXTRA_CA_CERTS: certs.ca, DENO_CERT: certs.ca };
    const worker = await startWorker(url, [], trust);
    try {
      const file = taskFile({ tasks: [{ name: "a", type: "exec", arguments: "echo over-tls" }] });
      const r = await runCli([file, "--redis", url], { env: { DAGRUN_KEY: TEST_KEY, ...trust } });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /^\[a\] over-tls$/m);
      const untrusted = await runCli([file, "--redis", url], { env: { DAGRUN_KEY: TEST_KEY } });
      assert.equal(untrusted.code, 2);
      assert.equal(untrusted.stderr.trim().split("\n").length, 1, untrusted.stderr);
      assert.match(untrusted.stderr, /cannot connect to Redis at rediss:\/\/127\.0\.0\.1:\d+: .*certificate/);
    } finally {
      await worker.stop();
      await redis.stop();
    }
  });
});
