/**
 * The dependency bookkeeping of a run: where each task stands (waiting for its dependencies,
 * queued, running, final), which tasks become ready as others end, and the final report of each.
 * Starting a dependent is O(its dependents) on a task's end: no scan of all tasks per event.
 *
 * @module
 */
import type { RunEvent, TaskReport } from "./events.ts";
import type { TaskGraph } from "./graph.ts";
import { ReadyQueue } from "./ready_queue.ts";
import { taskReport } from "./task_runner.ts";
import type { Task } from "./task.ts";

const PENDING = 0;
const QUEUED = 1;
const RUNNING = 2;
const FINAL = 3;

/**
 * What {@linkcode TaskStates} needs from its run.
 *
 * @example
 * ```ts
 * import type { TaskStatesOptions } from "./task_states.ts";
 * const options: TaskStatesOptions = { start: () => {}, emit: () => {}, now: () => 0 };
 * ```
 */
export interface TaskStatesOptions {
  /** Starts task `index`, which is now counted as running. */
  start: (index: number) => void;
  /** Passes an event (`skipped`, `up-to-date`, `ended`) to the run's listener. */
  emit: (event: RunEvent) => void;
  /** The run's clock: ms since it started. */
  now: () => number;
  /** Most tasks running at once; beyond it ready tasks are queued. Default: `Infinity`. */
  concurrency?: number;
  /** How much each task counts toward the critical path that orders the queue. Default: 1. */
  weight?: (task: Task, index: number) => number;
}

/**
 * Where each task of a graph stands. Ready tasks start at once, or, when `concurrency` is limited,
 * go to a queue ordered by the critical path that {@linkcode TaskStates.fill} starts from.
 *
 * @example
 * ```ts
 * import { TaskGraph } from "./graph.ts";
 * import { TaskStates } from "./task_states.ts";
 * const graph = TaskGraph.from([
 *   { name: "a", type: "exec", arguments: "" },
 *   { name: "b", type: "exec", arguments: "", dependencies: ["a"] },
 * ]);
 * const states = new TaskStates(graph, { start: (i) => console.log("start", i), emit: () => {}, now: () => 0 });
 * for (const i of states.roots()) states.ready(i); // start 0
 * states.skipDependents(0, "failed");
 * console.log(states.reports[1].reason); // dependency a failed
 * ```
 */
export class TaskStates {
  /** The final report of each task, by index; a hole until the task is final. */
  readonly reports: TaskReport[];
  readonly #graph: TaskGraph;
  readonly #o: TaskStatesOptions;
  readonly #concurrency: number;
  readonly #state: Uint8Array;
  /** How many dependencies of each task have not succeeded yet. */
  readonly #waiting: Int32Array;
  readonly #queue?: ReadyQueue;
  #running = 0;
  #finished = 0;

  /** Every task of `graph` waits for its dependencies. */
  constructor(graph: TaskGraph, options: TaskStatesOptions) {
    this.#graph = graph;
    this.#o = options;
    this.#concurrency = options.concurrency ?? Infinity;
    this.#state = new Uint8Array(graph.size);
    this.#waiting = new Int32Array(graph.size);
    this.reports = new Array(graph.size);
    if (this.#concurrency !== Infinity) {
      const weight = options.weight;
      this.#queue = new ReadyQueue(graph.remainingPath(weight && ((i) => weight(graph.tasks[i], i))));
    }
  }

  /** How many tasks are final. */
  get finished(): number {
    return this.#finished;
  }

  /** Counts each task's dependencies; returns the tasks that have none. */
  roots(): number[] {
    const roots: number[] = [];
    for (let i = 0; i < this.#graph.size; i++) {
      this.#waiting[i] = this.#graph.dependenciesOf(i).length;
      if (this.#waiting[i] === 0) roots.push(i);
    }
    return roots;
  }

  /** Whether task `index` still waits for its dependencies (neither queued, started nor final). */
  isPending(index: number): boolean {
    return this.#state[index] === PENDING;
  }

  /** Starts a task whose dependencies are done, or queues it; callers then {@linkcode TaskStates.fill} the slots. */
  ready(index: number): void {
    if (!this.#queue) return this.#start(index);
    this.#state[index] = QUEUED;
    this.#queue.push(index);
  }

  /** Starts queued tasks while there are free slots. */
  fill(): void {
    const queue = this.#queue;
    while (queue && this.#running < this.#concurrency && queue.size > 0) this.#start(queue.pop()!);
  }

  /** Task `index` is final: unless the run is `stopping`, readies the dependents of a success and fills free slots. */
  release(index: number, stopping: boolean): void {
    if (stopping) return;
    if (this.reports[index].status === "ok") {
      for (const d of this.#graph.dependentsOf(index)) {
        if (--this.#waiting[d] === 0 && this.#state[d] === PENDING) this.ready(d);
      }
    }
    this.fill();
  }

  /** Task `index` ran and ended as `report` says. */
  ended(index: number, report: TaskReport): void {
    this.#finalize(index, report);
    this.#o.emit({ type: "ended", task: this.#graph.tasks[index], index, timeMs: report.endMs!, report });
  }

  /** Task `index` need not run: it counts as ok. */
  upToDate(index: number): void {
    const task = this.#graph.tasks[index];
    const report = taskReport(task, { upToDate: true });
    this.#finalize(index, report);
    this.#o.emit({ type: "up-to-date", task, index, timeMs: this.#o.now(), report });
  }

  /** Task `index` will not run (any more), for `reason`. */
  skip(index: number, reason: string): void {
    const task = this.#graph.tasks[index];
    const report = taskReport(task, { skipped: reason });
    this.#finalize(index, report);
    this.#o.emit({ type: "skipped", task, index, timeMs: this.#o.now(), report });
  }

  /** Skips everything downstream of a task that failed (or will not run), now, naming the cause. */
  skipDependents(cause: number, what: string): void {
    const name = this.#graph.tasks[cause].name;
    const stack: [number, string][] = [];
    for (const d of this.#graph.dependentsOf(cause)) stack.push([d, `dependency ${name} ${what}`]);
    while (stack.length) {
      const [d, reason] = stack.pop()!;
      if (this.#state[d] !== PENDING) continue;
      this.skip(d, reason);
      const via = this.#graph.tasks[d].name;
      for (const dd of this.#graph.dependentsOf(d)) {
        stack.push([dd, `dependency ${via} skipped (${name} ${what})`]);
      }
    }
  }

  /** Skips every task that has not started, queued ones too: nothing starts any more. */
  skipWaiting(reason: string): void {
    this.#queue?.drain();
    for (let i = 0; i < this.#graph.size; i++) {
      if (this.#state[i] === PENDING || this.#state[i] === QUEUED) this.skip(i, reason);
    }
  }

  #start(index: number): void {
    this.#state[index] = RUNNING;
    this.#running++;
    this.#o.start(index);
  }

  #finalize(index: number, report: TaskReport): void {
    if (this.#state[index] === RUNNING) this.#running--;
    this.#state[index] = FINAL;
    this.reports[index] = report;
    this.#finished++;
  }
}
