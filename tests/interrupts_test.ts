/**
 * Interrupts and leftover processes: one grace for everything when a run is stopped, zombies not
 * counted as alive, and a terminal that goes away handled like SIGHUP.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { test } from "node:test";
import type { RunReport } from "../mod.ts";
import {
  cliPath,
  exec,
  isAlive,
  isDeno,
  readJson,
  runCli,
  sendSignal,
  taskFile,
  tempDir,
  waitFor,
} from "./_helpers.ts";

test("a task that leaves a short-lived background process ends the run at once (a zombie is not alive)", async () => {
  // The background sleep outlives its shell; once it exits, nothing may reap it (its parent is
  // gone), and a check by signal 0 would find its zombie for the whole 2 s grace.
  const file = taskFile({ tasks: [exec("bg", "sleep 0.2 & echo started")] });
  const report = join(tempDir(), "r.json");
  const started = Date.now();
  const result = await runCli(["--report-json", report, file]);
  const elapsed = Date.now() - started;
  assert.equal(result.code, 0, result.stderr);
  assert.equal(readJson<RunReport>(report).tasks[0].status, "ok");
  // Waiting on the zombie would have added the whole grace (2 s) after the shell ended.
  assert.ok(
    readJson<RunReport>(report).durationMs < 2000,
    `run took ${readJson<RunReport>(report).durationMs} ms`,
  );
  assert.ok(elapsed < 5000, `${elapsed} ms`);
});

test("Ctrl-C: leftover groups and running tasks share one grace, in parallel", async () => {
  const dir = tempDir();
  const pidFile = join(dir, "pid");
  const trapped = join(dir, "trapped");
  const file = taskFile({
    tasks: [
      // Its shell dies on SIGTERM, its child ignores SIGTERM and keeps the output open: a leftover group.
      exec("leaves", `(trap '' TERM; exec sleep 30) & echo $! > '${pidFile}'; wait`),
      // Ignores SIGTERM: ends only by SIGKILL, after the grace.
      exec("stubborn", `trap '' TERM; echo > '${trapped}'; sleep 30`),
    ],
  });
  const report = join(dir, "r.json");
  let sentAt = 0;
  const result = await runCli(["--report-json", report, file], {
    onSpawn: (child) => {
      void (async () => {
        // Both tasks are ready: the first's child is started, the second ignores SIGTERM.
        await waitFor(() => {
          try {
            return readFileSync(pidFile, "utf8").trim() !== "" && existsSync(trapped);
          } catch {
            return false;
          }
        });
        sentAt = Date.now();
        sendSignal(child.pid!, "SIGINT");
      })();
    },
  });
  const elapsed = Date.now() - sentAt;
  assert.equal(result.code, 130, result.stderr);
  // One grace (2 s) for everything; a second one after the running tasks ended made it 4 s.
  assert.ok(elapsed >= 1500 && elapsed < 4000, `stopping took ${elapsed} ms`);
  const grandchild = Number(readFileSync(pidFile, "utf8"));
  assert.ok(await waitFor(() => !isAlive(grandchild), 2000), "the leftover child is gone");
  const statuses = readJson<RunReport>(report).tasks.map((t) => [t.name, t.status, t.error]);
  assert.deepEqual(statuses, [["leaves", "failed", "interrupted"], ["stubborn", "failed", "interrupted"]]);
});

test("a terminal that goes away is handled like SIGHUP: tasks stopped, report written, exit 130", {
  skip: spawnSync("python3", ["-c", "import pty"]).status !== 0
    ? "needs python3 for a pseudo-terminal"
    : false,
}, () => {
  const dir = tempDir();
  const report = join(dir, "r.json");
  const pidFile = join(dir, "pid");
  const file = taskFile({
    tasks: [exec("long", `echo $$ > '${pidFile}'; for i in $(seq 1 300); do echo tick $i; sleep 0.1; done`)],
  });
  const argv = [
    process.execPath,
    ...(isDeno ? ["run", "--allow-all"] : []),
    cliPath,
    "--report-json",
    report,
    file,
  ];
  // dagrun runs on a pseudo-terminal (its session's controlling terminal); once it has printed a
  // few lines the terminal's master side is closed, as when a terminal window or tmux session is.
  const script = `
import os, pty, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
seen = b""
deadline = time.time() + 30
while b"tick 3" not in seen and time.time() < deadline:
    try:
        seen += os.read(fd, 65536)
    except OSError:
        break
os.close(fd)
_, status = os.waitpid(pid, 0)
print(os.waitstatus_to_exitcode(status))
`;
  const result = spawnSync("python3", ["-c", script, ...argv], { encoding: "utf8", timeout: 60_000 });
  assert.equal(result.stdout.trim(), "130", result.stderr);
  const written = readJson<RunReport>(report);
  assert.equal(written.interrupted, true);
  assert.equal(written.tasks[0].status, "failed");
  assert.equal(written.tasks[0].error, "interrupted");
  assert.equal("stopped" in written.tasks[0], false, "the JSON report keeps its fields");
  assert.ok(!isAlive(Number(readFileSync(pidFile, "utf8"))), "the task's shell is gone");
});

test(
  "processes that leave their group with setsid are stopped when the run ends (Deno on Linux: a subreaper)",
  {
    // Node has no FFI to call prctl: there such processes are not contained (docs/cli.md, Interrupting).
    skip: !isDeno || process.platform !== "linux" ? "needs Deno's FFI on Linux" : false,
  },
  async () => {
    const dir = tempDir();
    const pids = join(dir, "pids");
    const file = taskFile({
      tasks: [
        // One escapes with setsid in the background, one through a session leader that exits (a daemon's double fork).
        exec(
          "escape",
          `setsid sleep 100 & echo $! >> '${pids}'; setsid sh -c 'sleep 100 & echo $! >> ${pids}'`,
        ),
      ],
    });
    const result = await runCli([file]);
    assert.equal(result.code, 0, result.stderr);
    const escaped = readFileSync(pids, "utf8").trim().split("\n").map(Number);
    assert.equal(escaped.length, 2);
    try {
      assert.ok(
        await waitFor(() => escaped.every((pid) => !isAlive(pid)), 5000),
        "no escapee outlives dagrun",
      );
    } finally {
      for (const pid of escaped) if (isAlive(pid)) process.kill(pid, "SIGKILL");
    }
  },
);
