/**
 * Remote execution when Redis fails, against real redis-servers and real workers: Redis gone while
 * a worker stops, Redis killed or restarted mid-run, a Redis user without the permissions needed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import { isAlive, readJson, runCli, sendSignal, taskFile, tempDir, waitFor } from "./_helpers.ts";
import { pidsIn, redisCommand, skipWithoutRedis, startRedis, startWorker, TEST_KEY } from "./_redis.ts";

const env = { DAGRUN_KEY: TEST_KEY };

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
