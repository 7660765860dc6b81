/**
 * Remote execution when things go wrong, against a real redis-server and real workers: a worker
 * killed or stopped mid-task, the coordinator interrupted or killed. Redis itself failing is in
 * `remote_lost_test.ts` (a file of its own, so that the two run at once: both mostly wait).
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { isAlive, readJson, runCli, sendSignal, taskFile, tempDir, waitFor } from "./_helpers.ts";
import { keysOf } from "../src/remote/protocol.ts";
import { loadRedisLibraries, openRedis } from "../src/remote/redis.ts";
import { sign } from "../src/remote/sign.ts";
import { parseRedisUrl } from "../src/remote/url.ts";
import {
  pidsIn,
  redisCommand,
  type RedisServer,
  skipWithoutRedis,
  startRedis,
  startWorker,
  TEST_KEY,
  type WorkerProcess,
} from "./_redis.ts";

const env = { DAGRUN_KEY: TEST_KEY };

describe("remote execution: faults", { skip: skipWithoutRedis }, () => {
  let redis: RedisServer;
  const workers: WorkerProcess[] = [];
  const worker = async (args: string[]) => {
    const w = await startWorker(redis.url, args);
    workers.push(w);
    return w;
  };

  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await Promise.all(workers.map((w) => w.stop(5000)));
    await redis.stop();
  });

  test("a worker killed with SIGKILL mid-task: the task runs again on another worker, the run ends ok", async () => {
    const queue = "lost-worker";
    const started = await Promise.all([1, 2].map(() => worker(["--queue", queue, "--slots", "1"])));
    const report = join(tempDir(), "report.json");
    const file = taskFile({
      tasks: [{ name: "long", type: "exec", arguments: "echo worker=$PPID; sleep 2; echo finished" }],
    });
    let out = "";
    let killedAt = 0;
    let victim = 0;
    const r = await runCli([file, "--redis", redis.url, "--queue", queue, "--report-json", report], {
      env,
      onStdout: (text) => {
        out += text;
        const [pid] = pidsIn(out, "worker");
        if (pid && !victim) {
          victim = pid;
          killedAt = Date.now();
          sendSignal(pid, "SIGKILL");
        }
      },
    });
    const endedAt = Date.now();
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.ok(started.some((w) => w.pid === victim), `the task ran in ${victim}, not a worker`);
    const other = started.find((w) => w.pid !== victim)!;
    assert.match(
      r.stderr,
      new RegExp(`\\[long\\] dagrun: worker \\S+:${victim} was lost; running again on \\S+:${other.pid}`),
    );
    assert.match(r.stdout, /^\[long\] finished$/m);
    assert.ok(endedAt - killedAt < 20_000 + 2_000, `re-run and done ${endedAt - killedAt} ms after the kill`);
    const [long] = readJson(report).tasks;
    assert.equal(long.status, "ok");
    assert.equal(long.attempts, 2);
    assert.equal(long.worker?.endsWith(`:${other.pid}`), true);
  });

  test("a worker stopped with SIGTERM hands its running task back after --grace; another runs it", async () => {
    const queue = "hand-back";
    const started = await Promise.all(
      [1, 2].map(() => worker(["--queue", queue, "--slots", "1", "--grace", "1"])),
    );
    const file = taskFile({
      tasks: [{ name: "long", type: "exec", arguments: "echo worker=$PPID; sleep 4; echo finished" }],
    });
    let out = "";
    let victim = 0;
    const r = await runCli([file, "--redis", redis.url, "--queue", queue], {
      env,
      onStdout: (text) => {
        out += text;
        const [pid] = pidsIn(out, "worker");
        if (pid && !victim) sendSignal(victim = pid, "SIGTERM");
      },
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stderr, /worker \S+ handed the task back \(the worker was stopped\); running again on/);
    assert.match(r.stdout, /^\[long\] finished$/m);
    const stopped = started.find((w) => w.pid === victim)!;
    assert.ok(await waitFor(() => !isAlive(stopped.pid), 10_000), "the stopped worker did not exit");
    assert.match(stopped.log(), /handed back after/);
  });

  test("Ctrl-C on the coordinator: remote tasks stopped within 2 s, queued jobs removed, report, exit 130", async () => {
    const queue = "ctrl-c";
    await Promise.all([1, 2].map(() => worker(["--queue", queue, "--slots", "2"])));
    const tasks = [1, 2, 3, 4, 5, 6].map((i) => ({
      name: `t${i}`,
      type: "exec",
      arguments: "echo pid=$$; exec sleep 30",
    }));
    const report = join(tempDir(), "report.json");
    let out = "";
    let pids: number[] = [];
    let signalledAt = 0;
    const r = await runCli([
      taskFile({ tasks }),
      "--redis",
      redis.url,
      "--queue",
      queue,
      "--report-json",
      report,
    ], {
      env,
      onStdout: (text, child) => {
        out += text;
        pids = pidsIn(out);
        if (pids.length === 4 && !signalledAt) {
          signalledAt = Date.now();
          sendSignal(child.pid!, "SIGINT");
        }
      },
    });
    assert.equal(r.code, 130, r.stdout + r.stderr);
    assert.ok(await waitFor(() => pids.every((pid) => !isAlive(pid)), 5000), "remote tasks still running");
    assert.ok(Date.now() - signalledAt < 2000 + 5000);
    assert.match(r.stdout, /Report:/);
    const statuses = readJson(report).tasks.map((t) => `${t.status} ${t.error ?? t.reason}`).sort();
    assert.deepEqual(statuses, [
      "failed interrupted",
      "failed interrupted",
      "failed interrupted",
      "failed interrupted",
      "skipped interrupted",
      "skipped interrupted",
    ]);
    // No job of the run is left on the queue.
    const jobs = await redisCommand(
      redis.port,
      "EVAL",
      "return #redis.call('keys', ARGV[1])",
      "0",
      `bull:${queue}:*-*-*`,
    );
    assert.equal(jobs, ":0\r\n");
  });

  test("a job stopped while a worker was taking it is not started: an end without a start", async () => {
    // As when Ctrl-C frees a slot that takes a queued job before the coordinator's removal arrives:
    // the stop reaches the worker first, then the job. Played here as a coordinator would.
    const queue = "stopped-early";
    await worker(["--queue", queue, "--slots", "1"]);
    const libs = await loadRedisLibraries();
    // A client of its own for the queue, closed with it, apart from the one the test reads with.
    const client = openRedis(libs, parseRedisUrl(redis.url));
    const jobs = new libs.Queue(queue, {
      connection: { host: "127.0.0.1", port: redis.port },
      skipVersionCheck: true,
    });
    try {
      const keys = keysOf(queue);
      const run = "early", job = `${run}-1`;
      const marker = join(tempDir(), "ran");
      await client.set(keys.alive(run), "1", "PX", 60_000);
      await client.publish(keys.control, JSON.stringify({ job, action: "stop" }));
      const payload = JSON.stringify({
        run,
        task: { name: "never", type: "exec", arguments: `touch '${marker}'`, cwd: tempDir(), graceMs: 1000 },
      });
      const signature = sign(new TextEncoder().encode(TEST_KEY), payload);
      await jobs.add("never", { payload, signature }, {
        jobId: job,
        removeOnComplete: true,
        removeOnFail: true,
      });
      let records: [string, string][] = [];
      assert.ok(
        await waitFor(async () => {
          const entries = await client.xrange(keys.stream(run), "-", "+");
          records = entries.map(([, f]) => [f[f.indexOf("kind") + 1], f[f.indexOf("data") + 1]]);
          return records.some(([kind]) => kind === "end");
        }, 30_000),
        "the worker answered",
      );
      assert.deepEqual(records, [["end", JSON.stringify({ ok: false, error: "interrupted" })]]);
      assert.ok(!existsSync(marker), "the task's command did not run");
    } finally {
      await jobs.close();
      await client.quit();
    }
  });

  test("a coordinator killed with SIGKILL: its workers stop its tasks within 30 s", async () => {
    const queue = "coordinator-killed";
    const w = await worker(["--queue", queue, "--slots", "1"]);
    const file = taskFile({
      tasks: [{ name: "orphan", type: "exec", arguments: "echo pid=$$; exec sleep 60" }],
    });
    let out = "";
    let pid = 0;
    let killedAt = 0;
    await runCli([file, "--redis", redis.url, "--queue", queue], {
      env,
      onStdout: (text, child) => {
        out += text;
        [pid] = pidsIn(out);
        if (pid && !killedAt) {
          killedAt = Date.now();
          sendSignal(child.pid!, "SIGKILL");
        }
      },
    });
    assert.ok(pid > 0);
    assert.ok(await waitFor(() => !isAlive(pid), 35_000), "the task outlived its coordinator by 35 s");
    assert.ok(Date.now() - killedAt < 32_000);
    // The worker logs before it stops the task, but its stderr may reach us after we saw the task gone.
    const logged = () => /its coordinator is gone .*; stopping the task/.test(w.log());
    assert.ok(await waitFor(logged, 5_000), w.log());
    // Nobody will remove the dead coordinator's stream: it expires.
    const ttl = await redisCommand(
      redis.port,
      "EVAL",
      "local k = redis.call('keys', ARGV[1]) if #k == 0 then return -3 end return redis.call('pttl', k[1])",
      "0",
      `dagrun:${queue}:run:*:stream`,
    );
    assert.ok(Number(ttl.slice(1)) > 0, `the stream's PTTL is ${ttl.trim()}`);
  });

  test("check --redis: the connection is checked and the workers listed", async () => {
    const queue = "check";
    const w = await worker(["--queue", queue, "--slots", "3", "--allow-eval"]);
    const r = await runCli(["check", "--redis", redis.url, "--queue", queue]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      new RegExp(`Redis at redis://127\\.0\\.0\\.1:${redis.port}: ok, queue "check": 0 waiting`),
    );
    assert.match(r.stdout, new RegExp(`^  \\S+:${w.pid}  3 slot\\(s\\), eval allowed$`, "m"));
    const none = await runCli(["check", "--redis", redis.url, "--queue", "nobody-here"]);
    assert.match(none.stdout, /No worker is taking jobs/);
  });
});
