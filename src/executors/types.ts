/**
 * What an executor is: it runs one task and says how it went. It knows nothing of other tasks.
 *
 * @module
 */
import type { Task } from "../task.ts";

/**
 * What the scheduler gives an executor for one task.
 *
 * @example
 * ```ts
 * import type { ExecutorContext } from "./types.ts";
 * function hello(ctx: ExecutorContext) {
 *   ctx.output("stdout", new TextEncoder().encode("hello\n"));
 * }
 * ```
 */
export interface ExecutorContext {
  /**
   * Aborted when the task must stop (the run is cancelled, the task timed out…): stop, gracefully.
   * Tasks without a timeout share the run's signal: to be told, prefer `onStop`.
   */
  readonly signal: AbortSignal;
  /** Aborted when stopping must not wait any more: kill at once. Shared: prefer `onKill`. */
  readonly killSignal: AbortSignal;
  /**
   * Calls `listener` once when `signal` aborts (at once if it has); returns what removes it.
   * A listener on a shared signal costs O(running tasks) to add and remove (an EventTarget scans
   * its listeners); this costs O(1).
   */
  onStop(listener: () => void): () => void;
  /** The same as `onStop`, for `killSignal`. */
  onKill(listener: () => void): () => void;
  /** Working directory for the task's processes, from its `cwd`; `undefined`: dagrun's own. */
  readonly cwd?: string;
  /**
   * The folder the task file's relative paths are resolved from: the task file's, or the current
   * directory for a file read from stdin (`RunOptions.baseDir`). An eval snippet's relative
   * `import()` resolves from it. Default: the current directory.
   */
  readonly baseDir?: string;
  /** How long a process may take to stop after SIGTERM before it gets SIGKILL, in ms. */
  readonly graceMs: number;
  /**
   * Passes task output on; whole or partial lines, as they come. A returned promise means the
   * output is not being taken as fast as it comes: an executor that can (one reading a pipe)
   * passes no more of that stream until it settles. It never rejects.
   */
  output(stream: "stdout" | "stderr", data: Uint8Array): void | Promise<void>;
  /** Registers cleanup to run when every task has ended, such as stopping a task's leftover processes. */
  defer(cleanup: () => Promise<void>): void;
  /**
   * For an executor that {@linkcode Executor.startsLater}: says the task has really started
   * (`Started:` is shown and its timeout counts from now), and where it runs. Does nothing for
   * other executors.
   */
  started(where?: { worker?: string }): void;
  /**
   * Writes out the output reported so far, the task's `Started:` line among it, now rather than
   * at the end of this turn of the event loop: call it before work that may block the loop.
   * Optional: a context made by other code may leave it out.
   */
  flushOutput?(): void;
}

/**
 * How a task ended.
 *
 * @example
 * ```ts
 * import type { Outcome } from "./types.ts";
 * const failed: Outcome = { ok: false, exitCode: 1 };
 * ```
 */
export interface Outcome {
  /** True when the task succeeded. */
  ok: boolean;
  /** The process's exit code, for a task that ran one. */
  exitCode?: number;
  /** The signal that ended the process, such as `SIGTERM`. */
  signal?: string;
  /** Why the task failed, in one line. */
  error?: string;
  /**
   * Set when the task ended because it was told to stop (`ExecutorContext.signal`). An executor
   * says `interrupted` ({@linkcode INTERRUPTED}); the scheduler, which knows why it stopped the
   * task, puts the {@linkcode StopCause} here and its message in `error`.
   */
  stopped?: StopCause;
  /**
   * How many more times the executor ran the task on its own because the machine running it was
   * lost (a remote worker killed mid-task); they count in the report's `attempts`.
   */
  reruns?: number;
}

/**
 * Why dagrun stopped a task: the run was cancelled (`interrupted`), another task failed under
 * `on-failure: kill` (`policy`), or the task's `timeout` passed (`timeout`).
 *
 * @example
 * ```ts
 * import type { StopCause } from "./types.ts";
 * const cause: StopCause = "timeout";
 * ```
 */
export type StopCause = "interrupted" | "policy" | "timeout";

/**
 * The outcome of a task its executor stopped because `ExecutorContext.signal` aborted; spread it
 * to add the exit code or signal the process ended with.
 *
 * @example
 * ```ts
 * import { INTERRUPTED, type Outcome } from "./types.ts";
 * const killed: Outcome = { ...INTERRUPTED, signal: "SIGTERM" };
 * ```
 */
export const INTERRUPTED: Outcome = Object.freeze({
  ok: false,
  stopped: "interrupted",
  error: "interrupted",
});

/**
 * Runs one task. A thrown error or rejection counts as a failure with its message.
 *
 * @example
 * ```ts
 * import type { Executor } from "./types.ts";
 * const echo: Executor = (task, ctx) => {
 *   ctx.output("stdout", new TextEncoder().encode(task.arguments + "\n"));
 *   return Promise.resolve({ ok: true });
 * };
 * ```
 */
export interface Executor {
  /** Runs `task`; resolves with how it ended. */
  (task: Task, ctx: ExecutorContext): Promise<Outcome>;
  /**
   * True for an executor that hands the task to something that runs it later (a queue of remote
   * workers): the task counts as started, and its timeout runs, only once the executor calls
   * `ctx.started()`; the time before that is the report's `queuedMs`. A later call (the task
   * started again on another worker) only changes the report's `worker`. Default: false, the task
   * starts when the executor is called.
   */
  readonly startsLater?: boolean;
  /**
   * One-time set-up before the first task of this type, such as choosing how to spawn: `run`
   * awaits it before the run's clock starts when a task of this type is in the run. A rejection is
   * ignored there; the executor reports it as its tasks' failure. Default: none.
   */
  readonly prepare?: () => Promise<unknown>;
}
