/**
 * Task controls: timeout, retries with retryDelay, cwd and env, the failure policy, and the
 * command-line flags that set their defaults.
 */
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { test } from "node:test";
import { parseTaskFile, run, type RunEvent, type Task, TaskFileError } from "../mod.ts";
import { exec, isAlive, readJson, runCli, taskFile, tempDir, waitFor } from "./_helpers.ts";

async function record(tasks: Task[], options: Parameters<typeof run>[1] = {}) {
  const events: RunEvent[] = [];
  const output: string[] = [];
  const report = await run(tasks, {
    ...options,
    onEvent: (e) => {
      events.push(e);
      if (e.type === "output") output.push(new TextDecoder().decode(e.data));
    },
  });
  const byName = Object.fromEntries(report.tasks.map((t) => [t.name, t]));
  return { report, events, byName, output: output.join("") };
}

test("timeout: a child that ignores SIGTERM is killed by SIGKILL after the grace", async () => {
  // A timeout of 1 s, not less: the shell must have set its trap first, and on a loaded machine a
  // shell took more than 0.2 s to get to its first command.
  const { byName, output } = await record(
    [exec("stubborn", "trap '' TERM; echo $$; sleep 30 & echo $!; wait", { timeout: 1 })],
    { graceMs: 300 },
  );
  const t = byName.stubborn;
  assert.equal(t.status, "failed");
  assert.equal(t.timedOut, true);
  assert.equal(t.stopped, "timeout");
  assert.equal(t.error, "timed out after 1 s");
  assert.equal(t.signal, "SIGKILL");
  assert.ok(t.durationMs! >= 1250 && t.durationMs! < 10_000, `took ${t.durationMs} ms`);
  const [shell, sleeper] = output.trim().split("\n").map(Number);
  assert.ok(await waitFor(() => !isAlive(shell) && !isAlive(sleeper), 5000), "the group is gone");
});

test("timeout: a child that heeds SIGTERM ends at once, failed as timed out", async () => {
  const { byName } = await record([exec("slow", "sleep 30", { timeout: 0.2 })], { graceMs: 20_000 });
  assert.equal(byName.slow.error, "timed out after 0.2 s");
  assert.equal(byName.slow.signal, "SIGTERM");
  assert.ok(byName.slow.durationMs! < 5000, `took ${byName.slow.durationMs} ms`);
});

test("timeout: an eval task's signal is aborted and the task fails; the default applies to tasks without one", async () => {
  const seen: { aborted?: boolean } = {};
  (globalThis as Record<string, unknown>).__dagrunTimeoutSeen = seen;
  const { byName } = await record([
    {
      name: "wait",
      type: "eval",
      arguments:
        "signal.addEventListener('abort', () => { globalThis.__dagrunTimeoutSeen.aborted = true; });" +
        "await new Promise((r) => setTimeout(r, 5000, signal));",
    },
    { name: "quick", type: "eval", arguments: "", timeout: 10 },
  ], { timeout: 0.2 });
  assert.equal(byName.wait.status, "failed");
  assert.equal(byName.wait.error, "timed out after 0.2 s");
  assert.equal(seen.aborted, true);
  assert.equal(byName.quick.status, "ok");
});

test("retries: a flaky task runs again with doubling delays; dependents wait for the final attempt", async () => {
  const dir = tempDir();
  const flaky = `n=$(cat n 2>/dev/null || echo 0); echo $((n+1)) > n; [ "$n" -ge 2 ]`;
  const { byName, events } = await record([
    exec("flaky", flaky, { retries: 3, retryDelay: 0.1, cwd: "." }),
    exec("after", "true", { dependencies: ["flaky"] }),
  ], { baseDir: dir });
  assert.equal(byName.flaky.status, "ok");
  assert.equal(byName.flaky.attempts, 3);
  assert.equal(readFileSync(join(dir, "n"), "utf8").trim(), "3");
  assert.ok(byName.after.startMs! >= byName.flaky.endMs!);
  const flakyEvents = events.filter((e) => "task" in e && e.task.name === "flaky");
  assert.deepEqual(
    flakyEvents.filter((e) => e.type !== "output").map((e) =>
      e.type === "started"
        ? `started ${e.attempt}/${e.attempts}`
        : e.type === "retry"
        ? `retry ${e.delayMs}`
        : e.type
    ),
    ["started 1/4", "retry 100", "started 2/4", "retry 200", "started 3/4", "ended"],
  );
  const times = flakyEvents.filter((e) => e.type === "started" || e.type === "retry").map((e) =>
    (e as { timeMs: number }).timeMs
  );
  assert.ok(times[2] - times[1] >= 95, "waited the first delay");
  assert.ok(times[4] - times[3] >= 195, "waited twice as long the second time");
});

test("retries: a task that keeps failing fails after its last attempt and its dependents are skipped", async () => {
  const { byName, events } = await record([
    exec("bad", "exit 3", { retries: 2, retryDelay: 0 }),
    exec("after", "true", { dependencies: ["bad"] }),
  ]);
  assert.equal(byName.bad.status, "failed");
  assert.equal(byName.bad.exitCode, 3);
  assert.equal(byName.bad.attempts, 3);
  assert.equal(byName.after.status, "skipped");
  assert.equal(events.filter((e) => e.type === "started").length, 3);
});

test("retries: a timed-out attempt is retried; the default comes from RunOptions.retries", async () => {
  const { byName } = await record([exec("hang", "sleep 30", { timeout: 0.1, retryDelay: 0 })], {
    retries: 1,
  });
  assert.equal(byName.hang.status, "failed");
  assert.equal(byName.hang.attempts, 2);
  assert.equal(byName.hang.error, "timed out after 0.1 s");
});

test("retries: cancelling the run during a retry's wait ends the task with its failure, at once", async () => {
  const stop = new AbortController();
  const started = performance.now();
  const events: string[] = [];
  const report = await run([exec("bad", "exit 1", { retries: 5, retryDelay: 30 })], {
    signal: stop.signal,
    onEvent: (e) => {
      events.push(e.type);
      if (e.type === "retry") stop.abort();
    },
  });
  assert.ok(performance.now() - started < 20_000, "did not wait for the retry");
  assert.equal(report.interrupted, true);
  assert.equal(report.tasks[0].status, "failed");
  assert.equal(report.tasks[0].exitCode, 1);
  assert.deepEqual(events, ["started", "retry", "ended"]);
});

test("on-failure no-new: running tasks finish, nothing new starts, the rest is skipped with the reason", async () => {
  const { byName, report } = await record([
    exec("fails", "exit 1"),
    exec("running", "sleep 0.5"),
    exec("later", "true", { dependencies: ["running"] }),
    exec("dependent", "true", { dependencies: ["fails"] }),
  ], { onFailure: "no-new" });
  assert.equal(report.interrupted, false);
  assert.equal(byName.fails.status, "failed");
  assert.equal(byName.running.status, "ok");
  assert.equal(byName.later.status, "skipped");
  assert.equal(byName.later.reason, "not started: fails failed (on-failure: no-new)");
  assert.equal(byName.dependent.reason, "dependency fails failed");
});

test("on-failure kill: running tasks are stopped too, and the run is a failure, not an interruption", async () => {
  const { byName, report } = await record([
    exec("fails", "sleep 0.2; exit 1"),
    exec("running", "sleep 30"),
    exec("later", "true", { dependencies: ["running"] }),
  ], { onFailure: "kill" });
  assert.equal(report.interrupted, false);
  assert.equal(report.ok, false);
  assert.equal(byName.running.status, "failed");
  assert.equal(byName.running.error, "stopped: fails failed (on-failure: kill)");
  assert.equal(byName.running.stopped, "policy");
  assert.equal(byName.fails.stopped, undefined);
  assert.equal(byName.running.signal, "SIGTERM");
  assert.ok(byName.running.durationMs! < 10_000);
  assert.equal(byName.later.status, "skipped");
});

test("on-failure continue (the default): the other branches go on", async () => {
  const { byName } = await record([
    exec("fails", "exit 1"),
    exec("running", "sleep 0.2"),
    exec("later", "true", { dependencies: ["running"] }),
  ]);
  assert.equal(byName.later.status, "ok");
});

test("cwd is relative to the task file's folder, env is merged over dagrun's environment (CLI)", async () => {
  const file = taskFile({
    tasks: [
      exec("where", 'pwd; echo "$FOO $HOME"', { cwd: "sub/dir", env: { FOO: "bar" } }),
      exec("nowhere", "true", { cwd: "missing" }),
      exec("a-file", "true", { cwd: "plain.txt" }),
    ],
  });
  const dir = dirname(file);
  mkdirSync(join(dir, "sub", "dir"), { recursive: true });
  writeFileSync(join(dir, "plain.txt"), "not a folder\n");
  const reportPath = join(tempDir(), "r.json");
  const { code, stdout } = await runCli([file, "--report-json", reportPath], { cwd: tempDir() });
  assert.equal(code, 1);
  const lines = stdout.split("\n");
  assert.ok(lines.includes(`[where] ${realpathSync(join(dir, "sub", "dir"))}`), stdout);
  assert.ok(lines.includes(`[where] bar ${process.env.HOME}`), stdout);
  const report = readJson(reportPath);
  assert.equal(report.tasks[0].status, "ok");
  assert.equal(report.tasks[1].status, "failed");
  assert.match(report.tasks[1].error!, /working directory .*missing does not exist/);
  assert.match(report.tasks[2].error!, /working directory .*plain\.txt is not a directory/);
});

test("CLI: --timeout, --retries and --on-failure set the defaults; attempts show in the output", async () => {
  const file = taskFile({
    tasks: [
      exec("hang", "sleep 30"),
      exec("own", "sleep 0.5", { timeout: 20 }),
      // Its own timeout: on a loaded machine even `exit 2` may take longer than 0.3 s to start.
      exec("bad", "exit 2", { retryDelay: 0, timeout: 20 }),
    ],
  });
  const reportPath = join(tempDir(), "r.json");
  const { code, stdout } = await runCli([
    file,
    "--timeout",
    "0.3",
    "--retries",
    "1",
    "--report-json",
    reportPath,
  ]);
  assert.equal(code, 1, stdout);
  const tasks = Object.fromEntries(readJson(reportPath).tasks.map((t) => [t.name, t]));
  assert.equal(tasks.hang.error, "timed out after 0.3 s", stdout);
  assert.equal(tasks.hang.attempts, 2, stdout);
  assert.equal(tasks.own.status, "ok", stdout);
  assert.equal(tasks.bad.attempts, 2, stdout);
  const lines = stdout.split("\n");
  assert.ok(lines.includes("Started: bad (attempt 1/2)"), stdout);
  assert.ok(lines.includes("Failed : bad (attempt 1/2: exit code 2), retrying in 0 ms"), stdout);
  assert.ok(lines.includes("Started: bad (attempt 2/2)"), stdout);
  assert.equal(lines.filter((l) => l === "Ended : bad").length, 1, stdout);
  assert.match(stdout, /hang +failed .* timed out after 0\.3 s \(SIGTERM\) \(2 attempts\)/);
});

test("CLI: --on-failure no-new and kill reach the run; the report says why tasks did not run", async () => {
  const file = taskFile({
    tasks: [
      exec("fails", "sleep 0.2; exit 1"),
      exec("slow", "sleep 30"),
      exec("after", "true", { dependencies: ["slow"] }),
    ],
  });
  const kill = await runCli([file, "--on-failure", "kill"]);
  assert.equal(kill.code, 1, kill.stderr);
  assert.match(kill.stdout, /slow +failed .* stopped: fails failed \(on-failure: kill\) \(SIGTERM\)/);
  assert.match(kill.stdout, /after +skipped +- +skipped: not started: fails failed \(on-failure: kill\)/);
});

test("CLI: a bad flag value is a usage error (exit 2) and nothing runs", async () => {
  const file = taskFile({ tasks: [exec("a", "echo ran")] });
  for (
    const args of [["--timeout", "-1"], ["--timeout", "soon"], ["--retries", "1.5"], ["--on-failure", "stop"]]
  ) {
    const { code, stdout, stderr } = await runCli([file, ...args]);
    assert.equal(code, 2, args.join(" "));
    assert.match(stderr, new RegExp(args[0]));
    assert.doesNotMatch(stdout, /ran/);
  }
});

test("invalid control values are refused with line:column and a fix", () => {
  const text = `{"tasks": [
  {"name": "a", "type": "exec", "arguments": "true",
   "timeout": -1, "retries": 1.5, "retryDelay": -2, "cwd": "", "env": {"A": 1}}
]}`;
  try {
    parseTaskFile(text, "t.json");
    assert.fail("accepted");
  } catch (e) {
    assert.ok(e instanceof TaskFileError);
    const at = (key: string) => e.problems.find((p) => p.message.includes(`"${key}"`));
    assert.deepEqual([at("timeout")?.line, at("timeout")?.column], [3, 4]);
    assert.match(at("timeout")!.message, /"timeout" must be more than 0/);
    assert.match(at("timeout")!.hint!, /seconds/);
    assert.match(at("retries")!.message, /must be an integer/);
    assert.match(at("retryDelay")!.message, /must be at least 0/);
    assert.match(at("cwd")!.message, /must not be empty/);
    assert.match(at("A")!.message, /must be a string/);
  }
});

test("cwd or env on an eval task is a warning: they have no effect there", () => {
  const file = parseTaskFile(
    JSON.stringify({ tasks: [{ name: "e", type: "eval", arguments: "", cwd: "x" }] }),
  );
  assert.equal(file.warnings.length, 1);
  assert.match(file.warnings[0].message, /"cwd" has no effect on an eval task/);
});
