/**
 * Remote execution when things go wrong, against a real redis-server and real workers: a worker
 * killed or stopped mid-task, the coordinator interrupted or killed, Redis killed or restarted
 * mid-run, a Redis user without the permissions needed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { isAlive, readJson, runCli, sendSignal, taskFile, tempDir, waitFor } from "./_helpers.ts";
import {
  redisCommand,
  type RedisServer,
  skipWithoutRedis,
  startRedis,
  startWorker,
  TEST_KEY,
  type WorkerProcess,
} from "./_redis.ts";

const env = { DAGRUN_KEY: TEST_KEY };

/** Every `pid=N` a task printed so far (`echo pid=$$; exec …` gives the command's own pid). */
function pidsIn(text: string, tag = "pid"): number[] {
  return [...text.matchAll(new RegExp(`\\b${tag}=(\\d+)`, "g"))].map((m) => Number(m[1]));
}

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
    assert.match(w.log(), /its coordinator is gone .*; stopping the task/);
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

describe("remote execution: Redis lost", { skip: skipWithoutRedis }, () => {
  test("a worker told to stop while Redis is gone still ends, and says why", async () => {
    const redis = await startRedis();
    const w = await startWorker(redis.url, ["--slots", "1", "--grace", "1"]);
    try {
      await redis.stop();
      const signalled = Date.now();
      sendSignal(w.pid, "SIGTERM");
      assert.ok(
        await waitFor(() => !isAlive(w.pid), 60_000),
        `still running 60 s after SIGTERM:\n${w.log()}`,
      );
      assert.ok(Date.now() - signalled < 40_000, `ended ${Date.now() - signalled} ms after SIGTERM`);
      // Whether closing gives up on a silent Redis or learns at once that it is refused
      // (ioredis on Node sometimes rejects the pending commands at once), the log says why.
      assert.match(w.log(), /Redis .*does not answer|redis: connection refused/);
    } finally {
      await w.stop(1000);
    }
  });

  test("Redis killed mid-run: outstanding tasks fail within 30 s naming Redis, report, exit 1", async () => {
    const redis = await startRedis();
    const w = await startWorker(redis.url, ["--slots", "1"]);
    try {
      const report = join(tempDir(), "report.json");
      const file = taskFile({
        tasks: [
          { name: "running", type: "exec", arguments: "echo pid=$$; exec sleep 60" },
          { name: "after", type: "exec", arguments: "true", dependencies: ["running"] },
        ],
      });
      let out = "";
      let killedAt = 0;
      let pid = 0;
      const r = await runCli([file, "--redis", redis.url, "--report-json", report], {
        env,
        onStdout: (text) => {
          out += text;
          [pid] = pidsIn(out);
          if (pid && !killedAt) {
            killedAt = Date.now();
            void redis.stop();
          }
        },
      });
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.ok(Date.now() - killedAt < 30_000, `the run ended ${Date.now() - killedAt} ms after Redis died`);
      assert.match(r.stdout, /Report:/);
      const [running, afterIt] = readJson(report).tasks;
      assert.equal(running.status, "failed");
      assert.match(
        running.error!,
        new RegExp(`lost the connection to Redis at redis://127\\.0\\.0\\.1:${redis.port}`),
      );
      assert.equal(afterIt.status, "skipped");
      // The worker, cut off from every coordinator, stops the task too.
      assert.ok(await waitFor(() => !isAlive(pid), 30_000), "the worker's task still runs");
    } finally {
      await w.stop(3000);
    }
  });

  test("Redis restarted without persistence mid-run: the run fails naming Redis, exit 1", async () => {
    const redis = await startRedis();
    const w = await startWorker(redis.url, ["--slots", "1"]);
    try {
      const file = taskFile({
        tasks: [{ name: "running", type: "exec", arguments: "echo pid=$$; exec sleep 60" }],
      });
      let out = "";
      let restarted = false;
      const t0 = Date.now();
      const r = await runCli([file, "--redis", redis.url], {
        env,
        onStdout: (text) => {
          out += text;
          if (pidsIn(out).length && !restarted) {
            restarted = true;
            void redis.stop().then(() => startRedis(redis.port));
          }
        },
      });
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.ok(Date.now() - t0 < 30_000);
      // The coordinator sees Redis come back without the run's key, or the worker does first.
      assert.match(
        r.stdout,
        /running +failed .*(Redis at redis:\/\/127\.0\.0\.1:\d+ lost this run's data|heartbeat key is missing from Redis)/,
      );
    } finally {
      await w.stop(3000);
    }
  });

  test("ACL: a user that may not run EVAL gets exit 2 naming it; a user without +info works", async () => {
    const redis = await startRedis();
    await redisCommand(
      redis.port,
      "ACL",
      "SETUSER",
      "noeval",
      "on",
      ">pw",
      "~*",
      "&*",
      "+@all",
      "-eval",
      "-evalsha",
    );
    await redisCommand(redis.port, "ACL", "SETUSER", "noinfo", "on", ">pw", "~*", "&*", "+@all", "-info");
    const file = taskFile({ tasks: [{ name: "a", type: "exec", arguments: "echo ran" }] });
    const url = (user: string) => `redis://${user}:pw@127.0.0.1:${redis.port}`;
    const denied = await runCli([file, "--redis", url("noeval")], { env });
    assert.equal(denied.code, 2);
    assert.equal(denied.stderr.trim().split("\n").length, 1, denied.stderr);
    assert.match(denied.stderr, /the user may not run EVAL/);
    assert.match(denied.stderr, /redis:\/\/noeval:\*\*\*@/);
    const wrong = await runCli([file, "--redis", `redis://noinfo:wrong@127.0.0.1:${redis.port}`], { env });
    assert.equal(wrong.code, 2);
    assert.equal(wrong.stderr.trim().split("\n").length, 1, wrong.stderr);
    const w = await startWorker(url("noinfo"));
    try {
      const ok = await runCli([file, "--redis", url("noinfo")], { env, timeoutMs: 30_000 });
      assert.equal(ok.code, 0, ok.stdout + ok.stderr);
      assert.match(ok.stdout, /^\[a\] ran$/m);
    } finally {
      await w.stop();
      await redis.stop();
    }
  });
});
