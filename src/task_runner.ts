/**
 * A task's attempts, from its first start to its report: each attempt runs under the task's
 * timeout, a failed one runs again after a delay that doubles each time (`retries`,
 * `retryDelay`), and how the last one went becomes the task's report. {@linkcode taskReport}
 * makes every {@linkcode TaskReport} of a run, for tasks that ran and for those that did not.
 *
 * @module
 */
import { resolve } from "node:path";
import type { RunEvent, TaskReport } from "./events.ts";
import type {
  Executor,
  ExecutorContext,
  Outcome,
  RunExecutor,
  RunScope,
  StopCause,
} from "./executors/types.ts";
import { Attempt } from "./attempt.ts";
import type { TaskGraph } from "./graph.ts";
import type { Task } from "./task.ts";
import { intrinsics } from "./intrinsics.ts";

const { Promise: SafePromise, setTimeout, clearTimeout } = intrinsics;

/**
 * How a task ended, for {@linkcode taskReport}: it ran (`outcome`), was skipped (`skipped`: why),
 * or was up to date and did not run (`upToDate`).
 *
 * @example
 * ```ts
 * import type { TaskEnd } from "./task_runner.ts";
 * const ran: TaskEnd = { startMs: 5, endMs: 25, outcome: { ok: true, exitCode: 0 }, attempt: 1, retries: 0 };
 * const skipped: TaskEnd = { skipped: "dependency a failed" };
 * ```
 */
export type TaskEnd =
  | {
    /** When its first attempt started, in ms since the run started. */
    startMs: number;
    /** When its last attempt ended. */
    endMs: number;
    /** How the last attempt ended. */
    outcome: Outcome;
    /** Which attempt was the last, from 1. */
    attempt: number;
    /** How many retries the task was allowed. */
    retries: number;
    /** For a task run by an executor that starts tasks later (remote workers): what it told. */
    remote?: RemoteTiming;
  }
  | { skipped: string }
  | { upToDate: true };

/** What the report says of a task run by an executor that {@linkcode Executor.startsLater}. */
export interface RemoteTiming {
  /** How long it waited before it started, in ms. */
  queuedMs: number;
  /** How many times the executor ran it again on its own (its worker was lost). */
  reruns: number;
  /** Where it ran last. */
  worker?: string;
}

/**
 * The report of task `task` that ended as `end` says.
 *
 * @example
 * ```ts
 * import { taskReport } from "./task_runner.ts";
 * const task = { name: "a", type: "exec", arguments: "false" };
 * const report = taskReport(task, { startMs: 0, endMs: 12.5, outcome: { ok: false, exitCode: 1, error: "exit code 1" }, attempt: 1, retries: 0 });
 * console.log(report.status, report.error); // failed exit code 1
 * ```
 */
export function taskReport(task: Task, end: TaskEnd): TaskReport {
  if ("skipped" in end) return { ...notRun(task, "skipped"), reason: end.skipped };
  if ("upToDate" in end) return { ...notRun(task, "ok"), upToDate: true };
  const { outcome, remote } = end;
  const report: TaskReport = {
    name: task.name,
    type: task.type,
    status: outcome.ok ? "ok" : "failed",
    startMs: end.startMs,
    endMs: end.endMs,
    durationMs: roundMs(end.endMs - end.startMs),
  };
  if (outcome.exitCode !== undefined) report.exitCode = outcome.exitCode;
  if (outcome.signal !== undefined) report.signal = outcome.signal;
  if (!outcome.ok) {
    report.error = outcome.error ?? "failed";
    if (outcome.stopped) report.stopped = outcome.stopped;
    if (outcome.stopped === "timeout") report.timedOut = true;
  }
  if (end.retries > 0 || remote?.reruns) report.attempts = end.attempt + (remote?.reruns ?? 0);
  if (remote) {
    report.queuedMs = remote.queuedMs;
    if (remote.worker !== undefined) report.worker = remote.worker;
  }
  return report;
}

function notRun(task: Task, status: "ok" | "skipped"): TaskReport {
  return { name: task.name, type: task.type, status, startMs: null, endMs: null, durationMs: null };
}

/**
 * What a {@linkcode TaskRunner} needs from its run.
 *
 * @example
 * ```ts
 * import type { TaskRunnerOptions } from "./task_runner.ts";
 * type Told = TaskRunnerOptions["ended"]; // (index, report) => void
 * ```
 */
export interface TaskRunnerOptions {
  /** The run's tasks. */
  graph: TaskGraph;
  /** Runs a task of each type (through its run's own instance, if it makes one: `forRun`). */
  executors: Readonly<Record<string, Executor>>;
  /** Seconds a task without its own `timeout` may run. Default: no limit. */
  timeout?: number;
  /** Retries of a task without its own `retries`. */
  retries: number;
  /** See {@linkcode ExecutorContext.graceMs}. */
  graceMs: number;
  /** The folder a task's relative `cwd` is resolved from. */
  baseDir: string;
  /** Aborted when the run stops its running tasks; {@linkcode TaskRunnerOptions.stopped} says why. */
  stopSignal: AbortSignal;
  /** Aborted when stopping must not wait any more. */
  killSignal: AbortSignal;
  /** Why the run stopped its running tasks: asked only once `stopSignal` is aborted. */
  stopped: () => { cause: StopCause; reason: string };
  /** See {@linkcode ExecutorContext.defer}. */
  defer: ExecutorContext["defer"];
  /** See {@linkcode ExecutorContext.flushOutput}. */
  flush?: () => void;
  /** Passes an event to the run's listener. */
  emit: (event: RunEvent) => void | Promise<void>;
  /** The run's clock: ms since it started. */
  now: () => number;
  /** Task `index` was stopped while its executor still held it queued: it never ran. */
  notBegun: (index: number) => void;
  /** Task `index` ran and ended as `report` says. */
  ended: (index: number, report: TaskReport) => void;
}

/** One attempt in flight and what its end needs to know. */
interface Flight {
  index: number;
  /** Which attempt, from 1. */
  n: number;
  /** When the task's first attempt started; `undefined` while this is the first. */
  firstMs: number | undefined;
  /** When the executor was called. */
  calledMs: number;
  /** When the attempt began (for an executor that starts tasks later: when it said so). */
  begunMs: number | undefined;
  timeout: number | undefined;
  timedOut: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
  ctx: Attempt | undefined;
}

/**
 * Runs tasks through their attempts: calls the executor, stops an attempt at its timeout, runs a
 * failed task again while it has retries left (waiting 1 s, 2 s, 4 s… by default), and tells its
 * run how the task ended.
 *
 * @example
 * ```ts
 * import { TaskGraph } from "./graph.ts";
 * import { TaskRunner } from "./task_runner.ts";
 * const runner = new TaskRunner({
 *   graph: TaskGraph.from([{ name: "a", type: "noop", arguments: "" }]),
 *   executors: { noop: () => Promise.resolve({ ok: true }) },
 *   retries: 0, graceMs: 2000, baseDir: ".",
 *   stopSignal: new AbortController().signal, killSignal: new AbortController().signal,
 *   stopped: () => ({ cause: "interrupted", reason: "interrupted" }),
 *   defer: () => {}, emit: () => {}, now: () => 0, notBegun: () => {},
 *   ended: (_, report) => console.log(report.status), // ok
 * });
 * runner.start(0);
 * ```
 */
export class TaskRunner {
  readonly #o: TaskRunnerOptions;
  readonly #tasks: readonly Task[];
  /**
   * The running attempts, told to stop or to die through their own listeners. A listener per
   * attempt on the run's signals would cost O(running) each (an EventTarget scans its listeners
   * on add and remove): O(n²) for a wide graph, and much of the memory of a million tasks.
   */
  readonly #attempts = new Set<Attempt>();
  /** What the report says of tasks run by an executor that starts them later, until they end. */
  readonly #remote = new Map<number, RemoteTiming>();
  /** The executors' instances for this run, by task type. */
  readonly #instances = new Map<string, RunExecutor>();
  /** Calls the executor of a task's type. */
  readonly #execute: Record<string, (task: Task, ctx: ExecutorContext) => Promise<Outcome>> = {};

  /** A runner for one run; the executors of its tasks' types make their run instances now. */
  constructor(options: TaskRunnerOptions) {
    this.#o = options;
    this.#tasks = options.graph.tasks;
    const { graph, emit } = options;
    const scope: RunScope = {
      output: (name, stream, data) => {
        const index = graph.index.get(name);
        if (index !== undefined) emit({ type: "output", task: graph.tasks[index], index, stream, data });
        return index !== undefined;
      },
      error: (message) => void emit({ type: "error", message }),
    };
    for (const type of new Set(this.#tasks.map((t) => t.type))) {
      const instance = options.executors[type].forRun?.(scope);
      if (instance) this.#instances.set(type, instance);
      this.#execute[type] = instance ? (task, ctx) => instance.execute(task, ctx) : options.executors[type];
    }
  }

  /** Closes the executors' run instances: the run is over. */
  close(): void {
    for (const instance of this.#instances.values()) instance.close?.();
  }

  /** Runs task `index`, from its first attempt. */
  start(index: number): void {
    this.#attempt(index, 1, undefined);
  }

  /** Ends task `index` as failed with `error` before any attempt ran, its start at `startMs`. */
  fail(index: number, startMs: number, error: string): void {
    this.#end(index, startMs, { ok: false, error }, 1);
  }

  /** Tells every running attempt to stop. */
  stopAll(): void {
    for (const attempt of this.#attempts) attempt.stop();
  }

  /** Tells every running attempt to die at once. */
  killAll(): void {
    for (const attempt of this.#attempts) attempt.kill();
  }

  /**
   * Runs attempt `n` (1-based) of task `i`, whose first attempt started at `firstMs` (`undefined`
   * for the first attempt: now, or when an executor that starts tasks later says it has).
   */
  #attempt(index: number, n: number, firstMs: number | undefined): void {
    const o = this.#o;
    const task = this.#tasks[index];
    const startsLater = o.executors[task.type].startsLater;
    const timeout = task.timeout ?? o.timeout;
    const flight: Flight = {
      index,
      n,
      firstMs,
      calledMs: o.now(),
      begunMs: undefined,
      timeout,
      timedOut: false,
      timer: undefined,
      ctx: undefined,
    };
    // The run's stop signal serves a task that stops only when the run does; a task with a
    // timeout gets a signal of its own.
    const ctx = flight.ctx = new Attempt({
      stopSignal: o.stopSignal,
      killSignal: o.killSignal,
      ownSignal: timeout !== undefined,
      graceMs: o.graceMs,
      cwd: task.cwd === undefined ? undefined : resolve(o.baseDir, task.cwd),
      baseDir: o.baseDir,
      output: (stream, data) => o.emit({ type: "output", task, index, stream, data }),
      defer: o.defer,
      started: startsLater ? (where) => this.#begin(flight, where) : undefined,
      flushOutput: o.flush,
    });
    this.#attempts.add(ctx);
    if (!startsLater) this.#begin(flight);
    let outcome: Promise<Outcome>;
    try {
      outcome = this.#execute[task.type](task, ctx);
    } catch (e) {
      outcome = SafePromise.reject(e);
    }
    outcome.then(
      (out) => this.#settle(flight, out),
      (e) => this.#settle(flight, { ok: false, error: errorText(e) }),
    );
  }

  /** The attempt has begun: `started` is told and its timeout runs. */
  #begin(flight: Flight, where?: { worker?: string }): void {
    const { index, n } = flight;
    // Started again elsewhere (its worker was lost): the report names the last worker.
    if (flight.begunMs !== undefined) {
      if (where?.worker !== undefined) this.#remote.get(index)!.worker = where.worker;
      return;
    }
    const o = this.#o;
    const task = this.#tasks[index];
    const begunMs = flight.begunMs = o.now();
    if (o.executors[task.type].startsLater) {
      const remote = this.#remote.get(index) ?? { queuedMs: 0, reruns: 0 };
      remote.queuedMs = roundMs(remote.queuedMs + begunMs - flight.calledMs);
      if (where?.worker !== undefined) remote.worker = where.worker;
      this.#remote.set(index, remote);
    }
    const attempts = (task.retries ?? o.retries) + 1;
    o.emit({ type: "started", task, index, timeMs: begunMs, attempt: n, attempts });
    if (flight.timeout !== undefined) {
      flight.timer = later(flight.timeout * 1000, () => {
        flight.timedOut = true;
        flight.ctx!.stop();
      });
    }
  }

  /** The attempt's executor said how it went: the task ends, or runs again. */
  #settle(flight: Flight, outcome: Outcome): void {
    const o = this.#o;
    const { index, n, timeout } = flight;
    clearTimeout(flight.timer);
    // An inline snippet that blocks the event loop keeps the timer from firing: it is late, not
    // done in time, if it returns after its time was up.
    const begunMs = flight.begunMs;
    if (
      timeout !== undefined && begunMs !== undefined && !flight.timedOut &&
      o.now() - begunMs >= timeout * 1000
    ) {
      flight.timedOut = true;
      if (outcome.ok) outcome = { ok: false };
    }
    this.#attempts.delete(flight.ctx!);
    // Stopped while still queued: it never ran, as a task that never left the ready queue.
    if (begunMs === undefined && flight.firstMs === undefined && o.stopSignal.aborted) {
      return o.notBegun(index);
    }
    this.#begin(flight);
    if (outcome.reruns) this.#remote.get(index)!.reruns += outcome.reruns;
    const firstMs = flight.firstMs ?? flight.begunMs!;
    if (outcome.ok) return this.#end(index, firstMs, outcome, n);
    if (flight.timedOut) outcome = { ...outcome, error: `timed out after ${timeout} s`, stopped: "timeout" };
    else if (o.stopSignal.aborted) {
      const { cause, reason } = o.stopped();
      outcome = { ...outcome, error: reason, stopped: cause };
    }
    const attempts = (this.#tasks[index].retries ?? o.retries) + 1;
    if (n < attempts && !o.stopSignal.aborted) this.#retry(index, n, attempts, firstMs, outcome);
    else this.#end(index, firstMs, outcome, n);
  }

  /** Attempt `n` of task `i` failed: waits (doubling the delay each time), then runs the next. */
  #retry(index: number, n: number, attempts: number, firstMs: number, failed: Outcome): void {
    const o = this.#o;
    const task = this.#tasks[index];
    const delayMs = (task.retryDelay ?? 1) * 1000 * 2 ** (n - 1);
    const error = failed.error ?? "failed";
    o.emit({ type: "retry", task, index, timeMs: o.now(), attempt: n, attempts, error, delayMs });
    // Stopping the run during the wait (or while the event was handled) ends the task with the
    // failure it had.
    if (o.stopSignal.aborted) return this.#end(index, firstMs, failed, n);
    const stopped = () => {
      clearTimeout(timer);
      this.#end(index, firstMs, failed, n);
    };
    const timer = setTimeout(() => {
      o.stopSignal.removeEventListener("abort", stopped);
      this.#attempt(index, n + 1, firstMs);
    }, Math.min(delayMs, MAX_TIMER_MS));
    o.stopSignal.addEventListener("abort", stopped, { once: true });
  }

  #end(index: number, startMs: number, outcome: Outcome, attempt: number): void {
    const task = this.#tasks[index];
    const remote = this.#remote.get(index);
    this.#remote.delete(index);
    const retries = task.retries ?? this.#o.retries;
    this.#o.ended(
      index,
      taskReport(task, { startMs, endMs: this.#o.now(), outcome, attempt, retries, remote }),
    );
  }
}

/**
 * `ms` to the microsecond, as the report gives times.
 *
 * @example
 * ```ts
 * import { roundMs } from "./task_runner.ts";
 * console.log(roundMs(1.23456789)); // 1.235
 * ```
 */
export function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/**
 * What a thrown value says: an error's message, anything else as a string.
 *
 * @example
 * ```ts
 * import { errorText } from "./task_runner.ts";
 * console.log(errorText(new Error("boom"))); // boom
 * ```
 */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The longest delay a timer takes (about 24.8 days); a longer one would fire at once. */
const MAX_TIMER_MS = 0x7fffffff;

/** Calls `fn` after `ms` milliseconds, or never when `ms` is too long for a timer: no limit. */
function later(ms: number, fn: () => void): ReturnType<typeof setTimeout> | undefined {
  return ms <= MAX_TIMER_MS ? setTimeout(fn, ms) : undefined;
}
