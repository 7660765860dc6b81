/** taskReport: the one place a task's report is made, field by field and in the JSON report's key order. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { taskReport } from "../src/task_runner.ts";

const task = { name: "a", type: "exec", arguments: "x" };

test("a task that ran: times, exit, the error and stop cause of a failure, attempts when retries were allowed", () => {
  const ok = taskReport(task, {
    startMs: 1.5,
    endMs: 3.0004,
    outcome: { ok: true, exitCode: 0 },
    attempt: 1,
    retries: 0,
  });
  assert.deepEqual(Object.entries(ok), [
    ["name", "a"],
    ["type", "exec"],
    ["status", "ok"],
    ["startMs", 1.5],
    ["endMs", 3.0004],
    ["durationMs", 1.5],
    ["exitCode", 0],
  ]);
  const timedOut = taskReport(task, {
    startMs: 0,
    endMs: 300,
    outcome: { ok: false, signal: "SIGTERM", error: "timed out after 0.3 s", stopped: "timeout" },
    attempt: 2,
    retries: 1,
  });
  assert.deepEqual(Object.keys(timedOut), [
    "name",
    "type",
    "status",
    "startMs",
    "endMs",
    "durationMs",
    "signal",
    "error",
    "stopped",
    "timedOut",
    "attempts",
  ]);
  assert.equal(timedOut.status, "failed");
  assert.equal(timedOut.timedOut, true);
  assert.equal(timedOut.attempts, 2);
  assert.equal(
    taskReport(task, { startMs: 0, endMs: 1, outcome: { ok: false }, attempt: 1, retries: 0 }).error,
    "failed",
  );
});

test("a task run by a remote worker: queued time, the last worker, and reruns counted as attempts", () => {
  const report = taskReport(task, {
    startMs: 10,
    endMs: 20,
    outcome: { ok: true, exitCode: 0 },
    attempt: 1,
    retries: 0,
    remote: { queuedMs: 4.25, reruns: 1, worker: "host:1" },
  });
  assert.deepEqual(
    [report.attempts, report.queuedMs, report.worker, Object.keys(report).slice(-3)],
    [2, 4.25, "host:1", ["attempts", "queuedMs", "worker"]],
  );
});

test("a task that did not run: skipped with its reason, or up to date and ok", () => {
  assert.deepEqual(taskReport(task, { skipped: "dependency b failed" }), {
    name: "a",
    type: "exec",
    status: "skipped",
    startMs: null,
    endMs: null,
    durationMs: null,
    reason: "dependency b failed",
  });
  assert.deepEqual(Object.entries(taskReport(task, { upToDate: true })).slice(2), [
    ["status", "ok"],
    ["startMs", null],
    ["endMs", null],
    ["durationMs", null],
    ["upToDate", true],
  ]);
});
