/**
 * The scheduler: starts each task the moment its last dependency succeeds, skips the dependents
 * of a failure at once, keeps at most `concurrency` tasks running, and stops cleanly when its
 * signal is aborted. It never writes to a terminal: it reports through events and a report.
 *
 * @module
 */
import { setMaxListeners } from "node:events";
import { resolve } from "node:path";
import process from "node:process";
import type { RunEvent, RunReport, TaskReport } from "./events.ts";
import { evalExecutor } from "./executors/eval.ts";
import { describeError, taskOfError } from "./executors/snippet_errors.ts";
import { execExecutor } from "./executors/exec.ts";
import { guardExits } from "./executors/exit_guard.ts";
import type { Executor, Outcome, StopCause } from "./executors/types.ts";
import { Attempt } from "./attempt.ts";
import { TaskGraph } from "./graph.ts";
import { ReadyQueue } from "./ready_queue.ts";
import type { Task } from "./task.ts";
import { TaskFileError } from "./errors.ts";
import { intrinsics } from "./intrinsics.ts";

// Named apart: a local `Promise` would hide the global type from the docs of the exports.
const { Promise: SafePromise, setTimeout, clearTimeout, TextEncoder, now } = intrinsics;

/**
 * What a task that fails for good does to the rest of the run. Its dependents are skipped in
 * every case. `continue`: the other tasks go on. `no-new`: no task starts any more, running ones
 * finish. `kill`: running tasks are stopped too (as on cancellation, but the run is not marked
 * interrupted). Tasks that do not run are skipped with the reason.
 */
export type FailurePolicy = "continue" | "no-new" | "kill";

/**
 * Options of {@linkcode run}.
 *
 * @example
 * ```ts
 * import type { RunOptions } from "./scheduler.ts";
 * const options: RunOptions = { concurrency: 4, onEvent: (e) => console.log(e.type) };
 * ```
 */
export interface RunOptions {
  /** Most tasks running at once. Default: `Infinity` (as many as the dependencies allow). */
  concurrency?: number;
  /** Seconds a task without its own `timeout` may run. Default: no limit. */
  timeout?: number;
  /** How many times a task without its own `retries` is run again after failing. Default: 0. */
  retries?: number;
  /** What a failed task does to the rest of the run. Default: `"continue"`. */
  onFailure?: FailurePolicy;
  /** The folder a task's relative `cwd` is resolved from: the task file's. Default: the current directory. */
  baseDir?: string;
  /**
   * Cancels the run: nothing new starts, running processes get SIGTERM (SIGKILL after
   * `graceMs`), eval snippets see their `signal` aborted; running tasks end `failed`
   * (`interrupted`) and the rest `skipped`.
   */
  signal?: AbortSignal;
  /** Once aborted (after `signal`), running processes get SIGKILL at once. */
  killSignal?: AbortSignal;
  /** Time between SIGTERM and SIGKILL when stopping processes, in ms. Default: 2000. */
  graceMs?: number;
  /**
   * Receives every event, in order, synchronously. If it throws, the run stops and rejects. For an
   * `output` event it may return a `Promise`, when it cannot take output as fast as it comes: the
   * task's output on that stream is then not read further until the promise settles
   * (back-pressure: the task's process blocks on its full pipe). Other return values mean nothing.
   */
  onEvent?: (event: RunEvent) => unknown;
  /**
   * Writes out whatever `onEvent` has been given and still holds back (a batch of lines). Called
   * before an inline snippet runs, since one that blocks the event loop would keep its own
   * `Started:` line off the terminal. Default: nothing to do.
   */
  flush?: () => void;
  /** Executors by task type, merged over the built-in `exec` and `eval`. */
  executors?: Record<string, Executor>;
  /**
   * How much each task counts toward the critical path that orders the ready queue when
   * `concurrency` is limited, such as its last measured duration. Default: 1 for every task.
   */
  weight?: (task: Task, index: number) => number;
  /**
   * Tasks not to run, by index, with the reason they are skipped (such as `excluded`, from
   * `selectTasks`); what depends on them is skipped too. These skips alone do not make the
   * report's `ok` false. Default: none.
   */
  skip?: ReadonlyMap<number, string>;
  /**
   * Decides which tasks need not run (such as `Freshness`, from the state of earlier runs): each
   * task is checked when its dependencies are done, before it starts, and told of its end before
   * its dependents are checked. Default: every task runs.
   */
  freshness?: FreshnessGate;
}

/**
 * What the scheduler asks about tasks that may be up to date. It sees only indices and answers:
 * how freshness is decided (fingerprints, files, state) is none of its business.
 *
 * @example
 * ```ts
 * import { run, type FreshnessGate } from "./scheduler.ts";
 * const built = new Set<number>();
 * const gate: FreshnessGate = { check: (i) => built.has(i), record: (i, ok) => void (ok && built.add(i)) };
 * await run([{ name: "a", type: "eval", arguments: "" }], { freshness: gate }); // runs a
 * await run([{ name: "a", type: "eval", arguments: "" }], { freshness: gate }); // a is up to date
 * ```
 */
export interface FreshnessGate {
  /** True (or a promise of it) when task `index` is up to date and is not to run. A throw fails the task. */
  check(index: number): boolean | Promise<boolean>;
  /** Task `index` ran and ended, `ok` or not; its dependents are checked after this settles. */
  record(index: number, ok: boolean): void | Promise<void>;
}

/** The executors dagrun has out of the box. */
export const builtinExecutors: Readonly<Record<string, Executor>> = Object.freeze({
  exec: execExecutor,
  eval: evalExecutor,
});

/**
 * Runs tasks with as much concurrency as their dependencies (and `concurrency`) allow.
 *
 * @param tasks The tasks, or their graph from `loadTaskFile`/`parseTaskFile`.
 * @throws {TaskFileError} when the tasks cannot run (cycle, unknown dependency, unknown type…).
 * @example
 * ```ts
 * import { run } from "./scheduler.ts";
 * const report = await run([
 *   { name: "a", type: "exec", arguments: "echo a" },
 *   { name: "b", type: "eval", arguments: "console.log('b')", dependencies: ["a"] },
 * ]);
 * console.log(report.ok); // true
 * ```
 */
export function run(tasks: readonly Task[] | TaskGraph, options: RunOptions = {}): Promise<RunReport> {
  const graph = tasks instanceof TaskGraph ? tasks : TaskGraph.from(tasks);
  const executors = { ...builtinExecutors, ...options.executors };
  const unknown = graph.tasks.flatMap((t, i) =>
    t.type in executors ? [] : [{
      message: `unknown task type ${JSON.stringify(t.type)}`,
      task: t.name,
      path: ["tasks", i, "type"],
      hint: `use one of: ${Object.keys(executors).join(", ")}`,
    }]
  );
  if (unknown.length) throw new TaskFileError("<tasks>", unknown);
  const types = new Set(graph.tasks.map((t) => t.type));
  const preparing = [...types].flatMap((type) => executors[type].prepare?.().catch(() => {}) ?? []);
  if (!preparing.length) return new Run(graph, executors, options).done;
  return SafePromise.all(preparing).then(() => new Run(graph, executors, options).done);
}

const PENDING = 0;
const QUEUED = 1;
const RUNNING = 2;
const FINAL = 3;

class Run {
  readonly done: Promise<RunReport>;
  readonly #graph: TaskGraph;
  readonly #executors: Record<string, Executor>;
  readonly #concurrency: number;
  readonly #graceMs: number;
  readonly #timeout: number | undefined;
  readonly #retries: number;
  readonly #onFailure: FailurePolicy;
  readonly #baseDir: string;
  readonly #onEvent: (event: RunEvent) => unknown;
  readonly #freshness?: FreshnessGate;
  /** Freshness records not yet settled: the run is not over before they are. */
  #recording = 0;
  /** Set when no task may start any more (on-failure: no-new or kill): why. */
  #notStarting: string | undefined;
  readonly #state: Uint8Array;
  readonly #waiting: Int32Array;
  readonly #reports: TaskReport[];
  readonly #queue?: ReadyQueue;
  readonly #stop = new AbortController();
  /**
   * The running attempts, told to stop or to die through their own listeners. A listener per
   * attempt on the run's signals would cost O(running) each (an EventTarget scans its listeners
   * on add and remove): O(n²) for a wide graph, and much of the memory of a million tasks.
   */
  readonly #attempts = new Set<Attempt>();
  readonly #flush: (() => void) | undefined;
  /**
   * Cleanups wait for the run's end, unless the run is stopping: then they start at once, so that
   * leftover processes get the same grace as the running tasks, in parallel, not a second one after.
   */
  readonly #defer = (cleanup: () => Promise<void>) =>
    void this.#cleanups.push(this.#stop.signal.aborted ? started(cleanup) : cleanup);
  readonly #kill = new AbortController();
  readonly #cleanups: (() => Promise<void>)[] = [];
  readonly #t0 = now();
  /** What the report says of tasks run by an executor that starts them later, until they end. */
  readonly #remote = new Map<number, { queuedMs: number; reruns: number; worker?: string }>();
  #running = 0;
  #finished = 0;
  #interrupted = false;
  /** Why running tasks were told to stop, and the error they end with. */
  #stopCause: StopCause = "interrupted";
  #stopReason = "interrupted";
  /** Tasks skipped through `options.skip` (and their dependents): they do not make a run fail. */
  #skippedAsAsked = 0;
  #settled = false;
  #listenerError: { error: unknown } | undefined;
  #resolve!: (report: RunReport) => void;
  #reject!: (error: unknown) => void;
  #detach: () => void = () => {};

  constructor(graph: TaskGraph, executors: Record<string, Executor>, options: RunOptions) {
    this.#graph = graph;
    this.#executors = executors;
    this.#concurrency = options.concurrency ?? Infinity;
    this.#graceMs = options.graceMs ?? 2000;
    this.#timeout = options.timeout;
    this.#retries = options.retries ?? 0;
    this.#onFailure = options.onFailure ?? "continue";
    this.#baseDir = options.baseDir ?? ".";
    this.#onEvent = options.onEvent ?? (() => {});
    this.#freshness = options.freshness;
    this.#flush = options.flush;
    const n = graph.size;
    this.#state = new Uint8Array(n);
    this.#waiting = new Int32Array(n);
    this.#reports = new Array(n);
    if (this.#concurrency !== Infinity) {
      const weight = options.weight;
      this.#queue = new ReadyQueue(graph.remainingPath(weight && ((i) => weight(graph.tasks[i], i))));
    }
    this.done = new SafePromise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.#detach = this.#watch(options);
    // Every running task listens to these two; Node would warn (on stderr, through any status
    // line) from the eleventh on.
    setMaxListeners(0, this.#stop.signal, this.#kill.signal);

    const roots: number[] = [];
    for (let i = 0; i < n; i++) {
      this.#waiting[i] = graph.dependenciesOf(i).length;
      if (this.#waiting[i] === 0) roots.push(i);
    }
    for (const [i, reason] of options.skip ?? []) {
      if (this.#state[i] !== PENDING) continue;
      this.#skip(i, reason);
      this.#skipDependents(i, reason);
    }
    this.#skippedAsAsked = this.#finished;
    if (options.signal?.aborted) this.#interrupt();
    else {
      for (const i of roots) if (this.#state[i] === PENDING) this.#ready(i);
      if (this.#queue) this.#fill();
    }
    this.#settleIfDone();
  }

  /** Hooks up cancellation and the catching of stray snippet errors; returns the undo. */
  #watch(options: RunOptions): () => void {
    const interrupt = () => this.#interrupt();
    const kill = () => {
      this.#kill.abort();
      for (const attempt of this.#attempts) attempt.kill();
    };
    options.signal?.addEventListener("abort", interrupt, { once: true });
    options.killSignal?.addEventListener("abort", kill, { once: true });
    // A snippet's timer or promise may throw after its task ended; that must not end dagrun.
    const stray = (error: unknown) => {
      const name = taskOfError(error);
      const index = name === undefined ? undefined : this.#graph.index.get(name);
      if (index === undefined) {
        this.#emit({ type: "error", message: `uncaught error: ${describeError(error)}` });
      } else {
        const text = `uncaught error (after the task's body returned): ${describeError(error)}\n`;
        this.#emit({
          type: "output",
          task: this.#graph.tasks[index],
          index,
          stream: "stderr",
          data: new TextEncoder().encode(text),
        });
      }
    };
    process.on("uncaughtException", stray);
    process.on("unhandledRejection", stray);
    const unguard = guardExits();
    return () => {
      unguard();
      options.signal?.removeEventListener("abort", interrupt);
      options.killSignal?.removeEventListener("abort", kill);
      process.off("uncaughtException", stray);
      process.off("unhandledRejection", stray);
    };
  }

  #now(): number {
    return round(now() - this.#t0);
  }

  #emit(event: RunEvent): void | Promise<void> {
    try {
      const wait = this.#onEvent(event);
      // A listener's failure is its own: the task only waits for it.
      if (wait instanceof SafePromise) return wait.catch(() => {});
    } catch (error) {
      this.#listenerError ??= { error };
      this.#interrupt();
    }
  }

  /** Starts a task whose dependencies are done, or queues it; callers then `#fill` the slots. */
  #ready(i: number): void {
    if (!this.#queue) return this.#start(i);
    this.#state[i] = QUEUED;
    this.#queue.push(i);
  }

  #fill(): void {
    const queue = this.#queue!;
    while (this.#running < this.#concurrency && queue.size > 0) this.#start(queue.pop()!);
  }

  #start(i: number): void {
    this.#state[i] = RUNNING;
    this.#running++;
    if (!this.#freshness) return this.#attempt(i, 1, undefined);
    const checked = (upToDate: boolean) => {
      // The run was stopped, or a failure stopped new starts, while the check went on.
      const stopped = this.#stop.signal.aborted ? this.#stopReason : this.#notStarting;
      if (stopped !== undefined) {
        this.#running--;
        this.#skip(i, stopped);
        return this.#settleIfDone();
      }
      if (!upToDate) return this.#attempt(i, 1, undefined);
      this.#running--;
      this.#upToDate(i);
    };
    const failed = (e: unknown) => {
      const now = this.#now();
      this.#end(i, now, { ok: false, error: `cannot tell whether it is up to date: ${errorText(e)}` }, 1);
    };
    try {
      SafePromise.resolve(this.#freshness.check(i)).then(checked, failed);
    } catch (e) {
      failed(e);
    }
  }

  /** Task `i` need not run: it counts as ok and its dependents may go. */
  #upToDate(i: number): void {
    const task = this.#graph.tasks[i];
    const report: TaskReport = {
      name: task.name,
      type: task.type,
      status: "ok",
      startMs: null,
      endMs: null,
      durationMs: null,
      upToDate: true,
    };
    this.#finalize(i, report);
    this.#emit({ type: "up-to-date", task, index: i, timeMs: this.#now(), report });
    this.#release(i);
  }

  /**
   * Runs attempt `n` (1-based) of task `i`, which started at `startMs` (`undefined` for the
   * first attempt: now, or when an executor that starts tasks later says it has).
   */
  #attempt(i: number, n: number, startMs: number | undefined): void {
    const task = this.#graph.tasks[i];
    const executor = this.#executors[task.type];
    const attempts = (task.retries ?? this.#retries) + 1;
    const calledMs = this.#now();
    // The run's stop signal serves a task that stops only when the run does; a task with a
    // timeout gets a signal of its own.
    const timeout = task.timeout ?? this.#timeout;
    let timedOut = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let begunMs: number | undefined;
    const begin = (where?: { worker?: string }) => {
      // Started again elsewhere (its worker was lost): the report names the last worker.
      if (begunMs !== undefined) {
        if (where?.worker !== undefined) this.#remote.get(i)!.worker = where.worker;
        return;
      }
      begunMs = this.#now();
      if (executor.startsLater) {
        const remote = this.#remote.get(i) ?? { queuedMs: 0, reruns: 0 };
        remote.queuedMs = round(remote.queuedMs + begunMs - calledMs);
        if (where?.worker !== undefined) remote.worker = where.worker;
        this.#remote.set(i, remote);
      }
      this.#emit({ type: "started", task, index: i, timeMs: begunMs, attempt: n, attempts });
      if (timeout !== undefined) {
        timer = later(timeout * 1000, () => {
          timedOut = true;
          ctx.stop();
        });
      }
    };
    const ctx = new Attempt({
      stopSignal: this.#stop.signal,
      killSignal: this.#kill.signal,
      ownSignal: timeout !== undefined,
      graceMs: this.#graceMs,
      cwd: task.cwd === undefined ? undefined : resolve(this.#baseDir, task.cwd),
      baseDir: this.#baseDir,
      output: (stream, data) => this.#emit({ type: "output", task, index: i, stream, data }),
      defer: this.#defer,
      started: executor.startsLater ? begin : undefined,
      flushOutput: this.#flush,
    });
    this.#attempts.add(ctx);
    if (!executor.startsLater) begin();
    let outcome: Promise<Outcome>;
    try {
      outcome = executor(task, ctx);
    } catch (e) {
      outcome = SafePromise.reject(e);
    }
    const settle = (o: Outcome) => {
      clearTimeout(timer);
      // An inline snippet that blocks the event loop keeps the timer from firing: it is late,
      // not done in time, if it returns after its time was up.
      if (
        timeout !== undefined && begunMs !== undefined && !timedOut && this.#now() - begunMs >= timeout * 1000
      ) {
        timedOut = true;
        if (o.ok) o = { ok: false };
      }
      this.#attempts.delete(ctx);
      // Stopped while still queued: it never ran, as a task that never left the ready queue.
      if (begunMs === undefined && startMs === undefined && this.#stop.signal.aborted) {
        this.#running--;
        this.#skip(i, this.#stopReason);
        return this.#settleIfDone();
      }
      begin();
      if (o.reruns) this.#remote.get(i)!.reruns += o.reruns;
      const first = startMs ?? begunMs!;
      if (o.ok) return this.#end(i, first, o, n);
      if (timedOut) o = { ...o, error: `timed out after ${timeout} s`, stopped: "timeout" };
      else if (this.#stop.signal.aborted) o = { ...o, error: this.#stopReason, stopped: this.#stopCause };
      if (n < attempts && !this.#stop.signal.aborted) this.#retry(i, n, attempts, first, o);
      else this.#end(i, first, o, n);
    };
    outcome.then(settle, (e) => settle({ ok: false, error: errorText(e) }));
  }

  /** Attempt `n` of task `i` failed: waits (doubling the delay each time), then runs the next. */
  #retry(i: number, n: number, attempts: number, startMs: number, failed: Outcome): void {
    const task = this.#graph.tasks[i];
    const delayMs = (task.retryDelay ?? 1) * 1000 * 2 ** (n - 1);
    this.#emit({
      type: "retry",
      task,
      index: i,
      timeMs: this.#now(),
      attempt: n,
      attempts,
      error: failed.error ?? "failed",
      delayMs,
    });
    // Stopping the run during the wait (or while the event was handled) ends the task with the
    // failure it had.
    if (this.#stop.signal.aborted) return this.#end(i, startMs, failed, n);
    const stopped = () => {
      clearTimeout(timer);
      this.#end(i, startMs, failed, n);
    };
    const timer = setTimeout(() => {
      this.#stop.signal.removeEventListener("abort", stopped);
      this.#attempt(i, n + 1, startMs);
    }, Math.min(delayMs, MAX_TIMER_MS));
    this.#stop.signal.addEventListener("abort", stopped, { once: true });
  }

  #end(i: number, startMs: number, outcome: Outcome, attempt: number): void {
    const task = this.#graph.tasks[i];
    const endMs = this.#now();
    const report: TaskReport = {
      name: task.name,
      type: task.type,
      status: outcome.ok ? "ok" : "failed",
      startMs,
      endMs,
      durationMs: round(endMs - startMs),
    };
    if (outcome.exitCode !== undefined) report.exitCode = outcome.exitCode;
    if (outcome.signal !== undefined) report.signal = outcome.signal;
    if (!outcome.ok) {
      report.error = outcome.error ?? "failed";
      if (outcome.stopped) report.stopped = outcome.stopped;
      if (outcome.stopped === "timeout") report.timedOut = true;
    }
    const remote = this.#remote.get(i);
    if ((task.retries ?? this.#retries) > 0 || remote?.reruns) {
      report.attempts = attempt + (remote?.reruns ?? 0);
    }
    if (remote) {
      this.#remote.delete(i);
      report.queuedMs = remote.queuedMs;
      if (remote.worker !== undefined) report.worker = remote.worker;
    }
    this.#running--;
    this.#finalize(i, report);
    this.#emit({ type: "ended", task, index: i, timeMs: endMs, report });
    if (!outcome.ok) {
      this.#skipDependents(i, "failed");
      if (!this.#stop.signal.aborted) this.#applyFailurePolicy(i);
    }
    if (!this.#freshness) return this.#release(i);
    // The dependents' check needs what this task left: they wait for the record.
    this.#recording++;
    const recorded = () => {
      this.#recording--;
      this.#release(i);
    };
    try {
      SafePromise.resolve(this.#freshness.record(i, outcome.ok)).then(recorded, (e) => {
        this.#emit({ type: "error", message: `cannot record the state of ${task.name}: ${errorText(e)}` });
        recorded();
      });
    } catch (e) {
      this.#emit({ type: "error", message: `cannot record the state of ${task.name}: ${errorText(e)}` });
      recorded();
    }
  }

  /** Task `i` is final: readies the dependents of a success, fills free slots, settles when all are done. */
  #release(i: number): void {
    if (this.#reports[i].status === "ok") {
      for (const d of this.#graph.dependentsOf(i)) {
        if (--this.#waiting[d] === 0 && this.#state[d] === PENDING && !this.#stop.signal.aborted) {
          this.#ready(d);
        }
      }
    }
    if (this.#queue && !this.#stop.signal.aborted) this.#fill();
    this.#settleIfDone();
  }

  /** After task `failed` failed for good: `no-new` and `kill` start nothing more; `kill` stops the rest. */
  #applyFailurePolicy(failed: number): void {
    if (this.#onFailure === "continue") return;
    const name = this.#graph.tasks[failed].name;
    this.#queue?.drain();
    this.#notStarting = `not started: ${name} failed (on-failure: ${this.#onFailure})`;
    this.#skipWaiting(this.#notStarting);
    if (this.#onFailure === "kill") {
      this.#stopCause = "policy";
      this.#stopReason = `stopped: ${name} failed (on-failure: kill)`;
      this.#stopRunning();
    }
  }

  /** Skips everything downstream of a task that failed (or will not run), now, naming the cause. */
  #skipDependents(cause: number, what: string): void {
    const name = this.#graph.tasks[cause].name;
    const stack: [number, string][] = [];
    for (const d of this.#graph.dependentsOf(cause)) stack.push([d, `dependency ${name} ${what}`]);
    while (stack.length) {
      const [d, reason] = stack.pop()!;
      if (this.#state[d] !== PENDING) continue;
      this.#skip(d, reason);
      const via = this.#graph.tasks[d].name;
      for (const dd of this.#graph.dependentsOf(d)) {
        stack.push([dd, `dependency ${via} skipped (${name} ${what})`]);
      }
    }
  }

  #skip(i: number, reason: string): void {
    const task = this.#graph.tasks[i];
    const report: TaskReport = {
      name: task.name,
      type: task.type,
      status: "skipped",
      startMs: null,
      endMs: null,
      durationMs: null,
      reason,
    };
    this.#finalize(i, report);
    this.#emit({ type: "skipped", task, index: i, timeMs: this.#now(), report });
  }

  #finalize(i: number, report: TaskReport): void {
    this.#state[i] = FINAL;
    this.#reports[i] = report;
    this.#finished++;
  }

  #interrupt(): void {
    if (this.#interrupted) return;
    this.#interrupted = true;
    this.#stopCause = "interrupted";
    this.#stopReason = "interrupted";
    this.#stopRunning();
    this.#queue?.drain();
    this.#skipWaiting("interrupted");
    this.#settleIfDone();
  }

  /** Tells every running attempt to stop; none starts after this. */
  #stopRunning(): void {
    this.#stop.abort();
    for (const attempt of this.#attempts) attempt.stop();
    for (let i = 0; i < this.#cleanups.length; i++) this.#cleanups[i] = started(this.#cleanups[i]);
  }

  /** Skips every task that has not started. */
  #skipWaiting(reason: string): void {
    for (let i = 0; i < this.#graph.size; i++) {
      if (this.#state[i] === PENDING || this.#state[i] === QUEUED) this.#skip(i, reason);
    }
  }

  #settleIfDone(): void {
    if (this.#settled || this.#finished < this.#graph.size || this.#recording > 0) return;
    this.#settled = true;
    SafePromise.all(this.#cleanups.map((cleanup) => cleanup().catch(() => {}))).then(() => {
      this.#detach();
      if (this.#listenerError) return this.#reject(this.#listenerError.error);
      const tasks = this.#reports;
      this.#resolve({
        ok: !this.#interrupted &&
          tasks.reduce((n, t) => n + (t.status === "ok" ? 0 : 1), 0) === this.#skippedAsAsked,
        interrupted: this.#interrupted,
        durationMs: this.#now(),
        tasks,
      });
    });
  }
}

/** `ms` to the microsecond, as the report gives times. */
function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Starts `cleanup` now; what it returns gives its promise (the same one on every call). */
function started(cleanup: () => Promise<void>): () => Promise<void> {
  const running = cleanup().catch(() => {});
  return () => running;
}

/** The longest delay a timer takes (about 24.8 days); a longer one would fire at once. */
const MAX_TIMER_MS = 0x7fffffff;

/** Calls `fn` after `ms` milliseconds, or never when `ms` is too long for a timer: no limit. */
function later(ms: number, fn: () => void): ReturnType<typeof setTimeout> | undefined {
  return ms <= MAX_TIMER_MS ? setTimeout(fn, ms) : undefined;
}
