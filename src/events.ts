/**
 * What a run tells its listeners while it goes (events) and at the end (the report).
 *
 * @module
 */
import type { StopCause } from "./executors/types.ts";
import type { Task } from "./task.ts";

/** A task's final status. */
export type TaskStatus = "ok" | "failed" | "skipped";

/**
 * The final record of one task. Times are milliseconds since the run started; `null` for a task
 * that never started.
 *
 * @example
 * ```ts
 * import type { TaskReport } from "./events.ts";
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
 * import { run } from "../mod.ts";
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

/** What every event about one task carries. */
export interface TaskEvent {
  /** The task, as given to `run`. */
  task: Task;
  /** The task's position in the task list (file order), from 0. */
  index: number;
}

/** A task event that happened at a point in time. */
export interface TimedTaskEvent extends TaskEvent {
  /** When it happened, in ms since the run started. */
  timeMs: number;
}

/**
 * A task started. A task with retries starts once per attempt: each attempt but the last ends
 * with a {@linkcode RetryEvent}, the last one with the task's `ended` event.
 */
export interface StartedEvent extends TimedTaskEvent {
  /** Tells the event kinds apart. */
  type: "started";
  /** Which attempt this is, from 1. */
  attempt: number;
  /** How many attempts the task may take: 1 + its retries. */
  attempts: number;
}

/** An attempt of a task failed and the task will run again after `delayMs`. */
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

/** A task wrote bytes to its stdout or stderr. */
export interface OutputEvent extends TaskEvent {
  /** Tells the event kinds apart. */
  type: "output";
  /** Which of the task's streams the bytes came from. */
  stream: "stdout" | "stderr";
  /** The bytes, as they came: whole lines, part of a line, or several lines. */
  data: Uint8Array;
}

/** A started task ended, ok or failed. */
export interface EndedEvent extends TimedTaskEvent {
  /** Tells the event kinds apart. */
  type: "ended";
  /** The task's final record, as the run's report will have it. */
  report: TaskReport;
}

/** A task will not run, because a dependency failed or was skipped, or the run was stopped. */
export interface SkippedEvent extends TimedTaskEvent {
  /** Tells the event kinds apart. */
  type: "skipped";
  /** The task's final record; its `reason` says why it was skipped. */
  report: TaskReport;
}

/**
 * A task did not run because it was up to date (`RunOptions.freshness`): for its dependents it
 * succeeded. No `started` or `ended` event comes for it.
 */
export interface UpToDateEvent extends TimedTaskEvent {
  /** Tells the event kinds apart. */
  type: "up-to-date";
  /** The task's final record: status `ok`, `upToDate` true, no times. */
  report: TaskReport;
}

/** An error no task could be blamed for, such as an uncaught exception from a stray timer. */
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
 * import { run, type RunEvent } from "../mod.ts";
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
