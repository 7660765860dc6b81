/**
 * What a run tells its listeners while it goes (events) and at the end (the report).
 *
 * @module
 */
import type { StopCause } from "./executors/types.ts";
import type { Task } from "./task.ts";

/**
 * A task's final status.
 *
 * @example
 * ```ts
 * import { run, type TaskStatus } from "@dagrun/dagrun";
 * const report = await run([{ name: "a", type: "exec", arguments: "exit 1" }]);
 * const status: TaskStatus = report.tasks[0].status; // "failed"
 * ```
 */
export type TaskStatus = "ok" | "failed" | "skipped";

/**
 * The final record of one task. Times are milliseconds since the run started; `null` for a task
 * that never started.
 *
 * @example
 * ```ts
 * import type { TaskReport } from "@dagrun/dagrun";
 * const row: TaskReport = {
 *   name: "b", type: "exec", status: "skipped", startMs: null, endMs: null, durationMs: null,
 *   reason: "dependency a failed",
 * };
 * ```
 */
export interface TaskReport {
  /** The task's name. */
  name: string;
  /** The task's type: `exec`, `eval` or one a caller added. */
  type: string;
  /** `ok`, `failed` or `skipped`. */
  status: TaskStatus;
  /** When the task (its first attempt) started; `null` if it never started. */
  startMs: number | null;
  /** When the task (its last attempt) ended; `null` if it never started. */
  endMs: number | null;
  /** `endMs - startMs`; `null` if it never started. */
  durationMs: number | null;
  /** Exit code of an exec task that exited. */
  exitCode?: number;
  /** Signal that ended an exec task, such as `SIGTERM`. */
  signal?: string;
  /** Why a task failed: an exception message, `interrupted`, … */
  error?: string;
  /** Why a task was skipped. */
  reason?: string;
  /** True when the task was stopped because its `timeout` passed (`error` says after how long). */
  timedOut?: boolean;
  /**
   * Why dagrun stopped the task, when it did (`error` says it in words). Not in the JSON report,
   * where `error` and `timedOut` say it.
   */
  stopped?: StopCause;
  /** How many times the task ran, for a task allowed retries or one re-run after its worker was lost. */
  attempts?: number;
  /** For a task run by a remote worker: how long it waited in the queue before a worker started it, in ms. */
  queuedMs?: number;
  /** For a task run by a remote worker: the worker that ran it (last), as `host:pid`. */
  worker?: string;
  /** True for a task that did not run because it was up to date (its status is `ok`). */
  upToDate?: true;
}

/**
 * The outcome of a whole run, tasks in file order.
 *
 * @example
 * ```ts
 * import { run } from "@dagrun/dagrun";
 * const report = await run([{ name: "a", type: "eval", arguments: "" }]);
 * console.log(report.ok, report.tasks[0].status); // true ok
 * ```
 */
export interface RunReport {
  /** True when every task ended ok, apart from those skipped as asked (`RunOptions.skip`). */
  ok: boolean;
  /** True when the run was cancelled through its signal. */
  interrupted: boolean;
  /** Wall time of the whole run, in ms. */
  durationMs: number;
  /** One record per task, in the order the tasks were given (file order). */
  tasks: TaskReport[];
}

/**
 * What every event about one task carries.
 *
 * @example
 * ```ts
 * import { run, type TaskEvent } from "@dagrun/dagrun";
 * const seen = (e: TaskEvent) => console.log(e.index, e.task.name);
 * await run([{ name: "a", type: "eval", arguments: "" }], { onEvent: (e) => e.type !== "error" && seen(e) });
 * ```
 */
export interface TaskEvent {
  /** The task, as given to `run`. */
  task: Task;
  /** The task's position in the task list (file order), from 0. */
  index: number;
}

/**
 * A task event that happened at a point in time.
 *
 * @example
 * ```ts
 * import { run, type TimedTaskEvent } from "@dagrun/dagrun";
 * const at = (e: TimedTaskEvent) => console.log(`${e.task.name} ${e.timeMs} ms`);
 * await run([{ name: "a", type: "eval", arguments: "" }], {
 *   onEvent: (e) => (e.type === "started" || e.type === "ended") && at(e),
 * });
 * ```
 */
export interface TimedTaskEvent extends TaskEvent {
  /** When it happened, in ms since the run started. */
  timeMs: number;
}

/**
 * A task started. A task with retries starts once per attempt: each attempt but the last ends
 * with a {@linkcode RetryEvent}, the last one with the task's `ended` event.
 *
 * @example
 * ```ts
 * import { run, type StartedEvent } from "@dagrun/dagrun";
 * const show = (e: StartedEvent) => console.log(`${e.task.name} attempt ${e.attempt}/${e.attempts}`);
 * await run([{ name: "a", type: "exec", arguments: "true", retries: 1 }], {
 *   onEvent: (e) => e.type === "started" && show(e),
 * }); // a attempt 1/2
 * ```
 */
export interface StartedEvent extends TimedTaskEvent {
  /** Tells the event kinds apart. */
  type: "started";
  /** Which attempt this is, from 1. */
  attempt: number;
  /** How many attempts the task may take: 1 + its retries. */
  attempts: number;
}

/**
 * An attempt of a task failed and the task will run again after `delayMs`.
 *
 * @example
 * ```ts
 * import { run, type RetryEvent } from "@dagrun/dagrun";
 * const show = (e: RetryEvent) => console.log(`${e.task.name}: ${e.error}, again in ${e.delayMs} ms`);
 * await run([{ name: "flaky", type: "exec", arguments: "exit 1", retries: 1, retryDelay: 0.01 }], {
 *   onEvent: (e) => e.type === "retry" && show(e),
 * }); // flaky: exit code 1, again in 10 ms
 * ```
 */
export interface RetryEvent extends TimedTaskEvent {
  /** Tells the event kinds apart. */
  type: "retry";
  /** The attempt that failed, from 1. */
  attempt: number;
  /** How many attempts the task may take: 1 + its retries. */
  attempts: number;
  /** Why the attempt failed, such as `exit code 1` or `timed out after 5 s`. */
  error: string;
  /** How long until the next attempt starts, in ms. */
  delayMs: number;
}

/**
 * A task wrote bytes to its stdout or stderr.
 *
 * @example
 * ```ts
 * import { type OutputEvent, run } from "@dagrun/dagrun";
 * const show = (e: OutputEvent) => console.log(e.task.name, e.stream, new TextDecoder().decode(e.data));
 * await run([{ name: "a", type: "exec", arguments: "echo hi" }], {
 *   onEvent: (e) => e.type === "output" && show(e),
 * }); // a stdout hi
 * ```
 */
export interface OutputEvent extends TaskEvent {
  /** Tells the event kinds apart. */
  type: "output";
  /** Which of the task's streams the bytes came from. */
  stream: "stdout" | "stderr";
  /** The bytes, as they came: whole lines, part of a line, or several lines. */
  data: Uint8Array;
}

/**
 * A started task ended, ok or failed.
 *
 * @example
 * ```ts
 * import { type EndedEvent, run } from "@dagrun/dagrun";
 * const show = (e: EndedEvent) => console.log(e.task.name, e.report.status, e.report.durationMs);
 * await run([{ name: "a", type: "exec", arguments: "true" }], { onEvent: (e) => e.type === "ended" && show(e) });
 * ```
 */
export interface EndedEvent extends TimedTaskEvent {
  /** Tells the event kinds apart. */
  type: "ended";
  /** The task's final record, as the run's report will have it. */
  report: TaskReport;
}

/**
 * A task will not run, because a dependency failed or was skipped, or the run was stopped.
 *
 * @example
 * ```ts
 * import { run, type SkippedEvent } from "@dagrun/dagrun";
 * const show = (e: SkippedEvent) => console.log(e.task.name, e.report.reason);
 * await run([
 *   { name: "a", type: "exec", arguments: "exit 1" },
 *   { name: "b", type: "exec", arguments: "true", dependencies: ["a"] },
 * ], { onEvent: (e) => e.type === "skipped" && show(e) }); // b dependency a failed
 * ```
 */
export interface SkippedEvent extends TimedTaskEvent {
  /** Tells the event kinds apart. */
  type: "skipped";
  /** The task's final record; its `reason` says why it was skipped. */
  report: TaskReport;
}

/**
 * A task did not run because it was up to date (`RunOptions.freshness`): for its dependents it
 * succeeded. No `started` or `ended` event comes for it.
 *
 * @example
 * ```ts
 * import { run, type UpToDateEvent } from "@dagrun/dagrun";
 * const show = (e: UpToDateEvent) => console.log(`${e.task.name} is up to date`);
 * await run([{ name: "a", type: "eval", arguments: "" }], {
 *   freshness: { check: () => true, record: () => {} },
 *   onEvent: (e) => e.type === "up-to-date" && show(e),
 * }); // a is up to date
 * ```
 */
export interface UpToDateEvent extends TimedTaskEvent {
  /** Tells the event kinds apart. */
  type: "up-to-date";
  /** The task's final record: status `ok`, `upToDate` true, no times. */
  report: TaskReport;
}

/**
 * An error no task could be blamed for, such as an uncaught exception from a stray timer.
 *
 * @example
 * ```ts
 * import { type ErrorEvent, run } from "@dagrun/dagrun";
 * const show = (e: ErrorEvent) => console.error(`dagrun: ${e.message}`);
 * await run([{ name: "a", type: "eval", arguments: "" }], { onEvent: (e) => e.type === "error" && show(e) });
 * ```
 */
export interface ErrorEvent {
  /** Tells the event kinds apart. */
  type: "error";
  /** What happened, fit to print. */
  message: string;
}

/**
 * Everything a run reports while it goes, in the order it happens.
 *
 * @example
 * ```ts
 * import { run, type RunEvent } from "@dagrun/dagrun";
 * const log: string[] = [];
 * await run([{ name: "a", type: "eval", arguments: "" }], {
 *   onEvent: (e: RunEvent) => log.push(e.type),
 * });
 * console.log(log); // ["started", "ended"]
 * ```
 */
export type RunEvent =
  | StartedEvent
  | RetryEvent
  | OutputEvent
  | EndedEvent
  | SkippedEvent
  | UpToDateEvent
  | ErrorEvent;
