/**
 * The scheduler: starts each task the moment its last dependency succeeds, skips the dependents
 * of a failure at once, keeps at most `concurrency` tasks running, and stops cleanly when its
 * signal is aborted. It never writes to a terminal: it reports through events and a report.
 *
 * @module
 */
import { setMaxListeners } from "node:events";
import type { RunEvent, RunReport, TaskReport } from "./events.ts";
import { evalExecutor } from "./executors/eval.ts";
import { execExecutor } from "./executors/exec.ts";
import type { Executor, StopCause } from "./executors/types.ts";
import { Cleanups } from "./cleanups.ts";
import { TaskGraph } from "./graph.ts";
import { errorText, roundMs, TaskRunner } from "./task_runner.ts";
import { TaskStates } from "./task_states.ts";
import type { Task } from "./task.ts";
import { TaskFileError } from "./errors.ts";
import { intrinsics } from "./intrinsics.ts";

// Named apart: a local `Promise` would hide the global type from the docs of the exports.
const { Promise: SafePromise, now } = intrinsics;

/**
 * What a task that fails for good does to the rest of the run. Its dependents are skipped in
 * every case. `continue`: the other tasks go on. `no-new`: no task starts any more, running ones
 * finish. `kill`: running tasks are stopped too (as on cancellation, but the run is not marked
 * interrupted). Tasks that do not run are skipped with the reason.
 *
 * @example
 * ```ts
 * import { type FailurePolicy, run } from "@dagrun/dagrun";
 * const onFailure: FailurePolicy = "no-new";
 * const report = await run([
 *   { name: "bad", type: "exec", arguments: "exit 1" },
 *   { name: "later", type: "exec", arguments: "sleep 0.1 && echo later" },
 * ], { concurrency: 1, onFailure }); // later is skipped: no task starts after bad failed
 * ```
 */
export type FailurePolicy = (typeof FAILURE_POLICIES)[number];

/**
 * Every {@linkcode FailurePolicy}, the default first: the choices of `--on-failure`.
 *
 * @example
 * ```ts
 * import { FAILURE_POLICIES } from "@dagrun/dagrun";
 * console.log(FAILURE_POLICIES.join(", ")); // continue, no-new, kill
 * ```
 */
export const FAILURE_POLICIES = ["continue", "no-new", "kill"] as const;

/**
 * Options of {@linkcode run}.
 *
 * @example
 * ```ts
 * import type { RunOptions } from "@dagrun/dagrun";
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
 * import { run, type FreshnessGate } from "@dagrun/dagrun";
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

/**
 * The executors dagrun has out of the box.
 *
 * @example
 * ```ts
 * import { builtinExecutors, type Executor, run } from "@dagrun/dagrun";
 * // exec, with the time each command took printed after it
 * const timedExec: Executor = async (task, ctx) => {
 *   const start = performance.now();
 *   const outcome = await builtinExecutors.exec(task, ctx);
 *   console.log(`${task.name}: ${Math.round(performance.now() - start)} ms`);
 *   return outcome;
 * };
 * await run([{ name: "a", type: "exec", arguments: "sleep 0.1" }], { executors: { exec: timedExec } });
 * ```
 */
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
 * import { run } from "@dagrun/dagrun";
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

/**
 * One run: starts tasks as their dependencies allow ({@linkcode TaskStates}), runs each through
 * its attempts ({@linkcode TaskRunner}), asks the freshness gate first, applies the failure
 * policy, and stops everything on cancellation.
 */
class Run {
  readonly done: Promise<RunReport>;
  readonly #graph: TaskGraph;
  readonly #onFailure: FailurePolicy;
  readonly #onEvent: (event: RunEvent) => unknown;
  readonly #freshness?: FreshnessGate;
  /** Freshness records not yet settled: the run is not over before they are. */
  #recording = 0;
  /** Set when no task may start any more (on-failure: no-new or kill): why. */
  #notStarting: string | undefined;
  readonly #states: TaskStates;
  readonly #stop = new AbortController();
  readonly #kill = new AbortController();
  /** Why running tasks were told to stop, and the error they end with; set with `#stop`. */
  #stopped: { cause: StopCause; reason: string } | undefined;
  readonly #cleanups = new Cleanups();
  readonly #runner: TaskRunner;
  readonly #t0 = now();
  #interrupted = false;
  /** Tasks skipped through `options.skip` (and their dependents): they do not make a run fail. */
  #skippedAsAsked = 0;
  #settled = false;
  #listenerError: { error: unknown } | undefined;
  #resolve!: (report: RunReport) => void;
  #reject!: (error: unknown) => void;
  #detach: () => void = () => {};

  constructor(graph: TaskGraph, executors: Record<string, Executor>, options: RunOptions) {
    this.#graph = graph;
    this.#onFailure = options.onFailure ?? "continue";
    this.#onEvent = options.onEvent ?? (() => {});
    this.#freshness = options.freshness;
    this.#states = new TaskStates(graph, {
      start: (i) => this.#start(i),
      emit: (event) => void this.#emit(event),
      now: () => this.#now(),
      concurrency: options.concurrency,
      weight: options.weight,
    });
    this.done = new SafePromise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.#runner = this.#makeRunner(executors, options);
    this.#detach = this.#watch(options);
    // Every running task listens to these two; Node would warn (on stderr, through any status
    // line) from the eleventh on.
    setMaxListeners(0, this.#stop.signal, this.#kill.signal);
    this.#begin(options);
  }

  /** Skips what `options.skip` says, then starts the roots (or stops at once if already cancelled). */
  #begin(options: RunOptions): void {
    const states = this.#states;
    const roots = states.roots();
    for (const [i, reason] of options.skip ?? []) {
      if (!states.isPending(i)) continue;
      states.skip(i, reason);
      states.skipDependents(i, reason);
    }
    this.#skippedAsAsked = states.finished;
    if (options.signal?.aborted) this.#interrupt();
    else {
      for (const i of roots) if (states.isPending(i)) states.ready(i);
      states.fill();
    }
    this.#settleIfDone();
  }

  #makeRunner(executors: Record<string, Executor>, options: RunOptions): TaskRunner {
    return new TaskRunner({
      graph: this.#graph,
      executors,
      timeout: options.timeout,
      retries: options.retries ?? 0,
      graceMs: options.graceMs ?? 2000,
      baseDir: options.baseDir ?? ".",
      stopSignal: this.#stop.signal,
      killSignal: this.#kill.signal,
      stopped: () => this.#stopped!,
      defer: this.#cleanups.add,
      flush: options.flush,
      emit: (event) => this.#emit(event),
      now: () => this.#now(),
      notBegun: (i) => {
        this.#states.skip(i, this.#stopped!.reason);
        this.#settleIfDone();
      },
      ended: (i, report) => this.#ended(i, report),
    });
  }

  /** Hooks up cancellation; returns the undo, which also closes the executors' run instances. */
  #watch(options: RunOptions): () => void {
    const interrupt = () => this.#interrupt();
    const kill = () => {
      this.#kill.abort();
      this.#runner.killAll();
    };
    options.signal?.addEventListener("abort", interrupt, { once: true });
    options.killSignal?.addEventListener("abort", kill, { once: true });
    return () => {
      this.#runner.close();
      options.signal?.removeEventListener("abort", interrupt);
      options.killSignal?.removeEventListener("abort", kill);
    };
  }

  #now(): number {
    return roundMs(now() - this.#t0);
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

  /** Task `i` may start: the freshness gate says whether it runs, or it runs. */
  #start(i: number): void {
    if (!this.#freshness) return this.#runner.start(i);
    const checked = (upToDate: boolean) => {
      // The run was stopped, or a failure stopped new starts, while the check went on.
      const stopped = this.#stopped?.reason ?? this.#notStarting;
      if (stopped !== undefined) {
        this.#states.skip(i, stopped);
        return this.#settleIfDone();
      }
      if (!upToDate) return this.#runner.start(i);
      this.#states.upToDate(i);
      this.#release(i);
    };
    const failed = (e: unknown) => {
      this.#runner.fail(i, this.#now(), `cannot tell whether it is up to date: ${errorText(e)}`);
    };
    try {
      SafePromise.resolve(this.#freshness.check(i)).then(checked, failed);
    } catch (e) {
      failed(e);
    }
  }

  /** Task `i` ran and ended: its dependents go, or are skipped with the failure policy applied. */
  #ended(i: number, report: TaskReport): void {
    const ok = report.status === "ok";
    this.#states.ended(i, report);
    if (!ok) {
      this.#states.skipDependents(i, "failed");
      if (!this.#stop.signal.aborted) this.#applyFailurePolicy(i);
    }
    if (!this.#freshness) return this.#release(i);
    // The dependents' check needs what this task left: they wait for the record.
    this.#recording++;
    const recorded = () => {
      this.#recording--;
      this.#release(i);
    };
    const notRecorded = (e: unknown) => {
      const name = this.#graph.tasks[i].name;
      this.#emit({ type: "error", message: `cannot record the state of ${name}: ${errorText(e)}` });
      recorded();
    };
    try {
      SafePromise.resolve(this.#freshness.record(i, ok)).then(recorded, notRecorded);
    } catch (e) {
      notRecorded(e);
    }
  }

  /** Task `i` is final: readies the dependents of a success, fills free slots, settles when all are done. */
  #release(i: number): void {
    this.#states.release(i, this.#stop.signal.aborted);
    this.#settleIfDone();
  }

  /** After task `failed` failed for good: `no-new` and `kill` start nothing more; `kill` stops the rest. */
  #applyFailurePolicy(failed: number): void {
    if (this.#onFailure === "continue") return;
    const name = this.#graph.tasks[failed].name;
    this.#notStarting = `not started: ${name} failed (on-failure: ${this.#onFailure})`;
    this.#states.skipWaiting(this.#notStarting);
    if (this.#onFailure === "kill") this.#stopRunning("policy", `stopped: ${name} failed (on-failure: kill)`);
  }

  #interrupt(): void {
    if (this.#interrupted) return;
    this.#interrupted = true;
    this.#stopRunning("interrupted", "interrupted");
    this.#states.skipWaiting("interrupted");
    this.#settleIfDone();
  }

  /** Tells every running attempt to stop, saying why; none starts after this. */
  #stopRunning(cause: StopCause, reason: string): void {
    this.#stopped = { cause, reason };
    this.#stop.abort();
    this.#runner.stopAll();
    this.#cleanups.startAll();
  }

  #settleIfDone(): void {
    if (this.#settled || this.#states.finished < this.#graph.size || this.#recording > 0) return;
    this.#settled = true;
    this.#cleanups.run().then(() => {
      this.#detach();
      if (this.#listenerError) return this.#reject(this.#listenerError.error);
      const tasks = this.#states.reports;
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
