/**
 * The `exec` task type: a shell command in its own process group.
 *
 * @module
 */
import { statSync } from "node:fs";
import process from "node:process";
import { chooseSpawn, type ShellProcess } from "../spawn/mod.ts";
import { processes } from "../spawn/proc.ts";
import { startShell } from "../spawn/queue.ts";
import type { Task } from "../task.ts";
import { type Executor, type ExecutorContext, INTERRUPTED, type Outcome } from "./types.ts";
import { intrinsics } from "../intrinsics.ts";

const { Promise, setTimeout, clearTimeout } = intrinsics;

/**
 * How long to wait for the last output after the shell exits. Output still open after that is
 * held by a background process the shell left (a server, `sleep 100 &`): the task ends anyway,
 * and the leftover group is stopped when the run ends.
 */
const DRAIN_MS = 100;

/**
 * Runs `task.arguments` with `sh -c` (`cmd /d /s /c` on Windows) in `ctx.cwd`, with `task.env`
 * over dagrun's environment. Exit code 0 is ok; any other code, or death by a signal, is a
 * failure. When `ctx.signal` is aborted (cancellation, timeout) the whole process group gets
 * SIGTERM, then SIGKILL after the grace period. While the system refuses new processes (too many
 * open files or processes) the start waits for a running one to end instead of failing.
 *
 * @example
 * ```ts
 * import { run } from "../../mod.ts";
 * const report = await run([{ name: "hi", type: "exec", arguments: "echo hi" }]);
 * console.log(report.tasks[0].exitCode); // 0
 * ```
 */
export const execExecutor: Executor = Object.assign(runExec, {
  // Choosing the spawn path (on Linux: the FFI's self-test) happens before the run's clock starts.
  prepare: chooseSpawn,
});

async function runExec(task: Task, ctx: ExecutorContext): Promise<Outcome> {
  // Pipes held back by the output's consumer (back-pressure), and whether any was since the last look.
  let held = 0;
  let wasHeld = false;
  const output = (stream: "stdout" | "stderr", chunk: Uint8Array) => {
    const wait = ctx.output(stream, chunk);
    if (!wait) return;
    held++;
    wasHeld = true;
    return wait.finally(() => void held--);
  };
  let proc;
  try {
    proc = await startShell(task.arguments, {
      onStdout: (chunk) => output("stdout", chunk),
      onStderr: (chunk) => output("stderr", chunk),
      cwd: ctx.cwd,
      env: task.env,
    }, ctx.signal);
  } catch (e) {
    const problem = ctx.cwd === undefined ? undefined : directoryProblem(ctx.cwd);
    if (problem) return { ok: false, error: `working directory ${ctx.cwd} ${problem}` };
    throw e;
  }
  if (!proc) return INTERRUPTED;
  let killTimer: ReturnType<typeof setTimeout> | undefined;
  const terminate = () => {
    proc.kill("SIGTERM");
    killTimer = setTimeout(() => proc.kill("SIGKILL"), ctx.graceMs);
  };
  const kill = () => proc.kill("SIGKILL");
  const offStop = ctx.onStop(terminate);
  const offKill = ctx.onKill(kill);
  try {
    const { code, signal } = await proc.exit;
    // Output held back by a slow reader is still the task's: the wait only counts while none is.
    let drained = false;
    do {
      wasHeld = held > 0;
      drained = await within(proc.closed, DRAIN_MS);
    } while (!drained && (wasHeld || held > 0));
    // What the shell left in its group (`server &`) may serve later tasks: it is stopped when
    // the run ends, whether or not it still holds the task's output open.
    if (!drained || groupAlive(proc.pid)) ctx.defer(() => stopGroup(proc, ctx));
    if (ctx.signal.aborted) {
      return { ...INTERRUPTED, ...(signal ? { signal } : { exitCode: code! }) };
    }
    if (signal) return { ok: false, signal, error: `killed by ${signal}` };
    return code === 0
      ? { ok: true, exitCode: 0 }
      : { ok: false, exitCode: code!, error: `exit code ${code}` };
  } finally {
    clearTimeout(killTimer);
    offStop();
    offKill();
  }
}

/**
 * Stops what a finished task left running in its group: SIGTERM, then SIGKILL once the grace
 * period is over (at once after a second Ctrl-C), and stops reading its output.
 */
async function stopGroup(proc: ShellProcess, ctx: ExecutorContext): Promise<void> {
  proc.kill("SIGTERM");
  const end = Date.now() + ctx.graceMs;
  while (groupAlive(proc.pid) && Date.now() < end && !ctx.killSignal.aborted) await delay(GROUP_POLL_MS);
  if (groupAlive(proc.pid)) proc.kill("SIGKILL");
  proc.stopReading();
  await proc.closed;
}

/** How often a stopping group is checked for members left, in ms. */
const GROUP_POLL_MS = 50;

/** True while any process of the group led by `pid` exists (signal 0 only checks). */
function groupAlive(pid: number): boolean {
  if (process.platform === "win32" || pid <= 0) return false;
  try {
    process.kill(-pid, 0);
  } catch (e) {
    return (e as { code?: string }).code === "EPERM";
  }
  return process.platform !== "linux" || groupHasLiving(pid);
}

/**
 * Whether a process of group `pgid` is not a zombie (Linux, from /proc). A zombie is dead: it
 * only waits for its parent to reap it, yet signal 0 finds it, and waiting for it to go would
 * hold the run for the whole grace.
 */
function groupHasLiving(pgid: number): boolean {
  try {
    for (const p of processes()) if (p.pgrp === pgid && p.state !== "Z") return true;
  } catch {
    return true; // no /proc to ask: signal 0 found the group
  }
  return false;
}

/**
 * Whether `promise` settles within `ms`. The timer is cleared as soon as it does: a timer left
 * to run out for each of 2000 tasks costs a wake-up each.
 */
function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(resolve, ms, false)));
  return Promise.race([promise.then(() => true), late]).finally(() => clearTimeout(timer));
}

function delay(ms: number): Promise<false> {
  return new Promise((resolve) => setTimeout(() => resolve(false), ms));
}

/** Why `path` cannot be a working directory, or undefined when it can. */
function directoryProblem(path: string): string | undefined {
  try {
    return statSync(path).isDirectory() ? undefined : "is not a directory";
  } catch {
    return "does not exist";
  }
}
