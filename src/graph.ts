/**
 * The dependency graph of a task list: indices, edges both ways, a topological order and the
 * problems (duplicate names, unknown or self dependencies, cycles) that make a list unrunnable.
 *
 * Edges are kept as compressed sparse rows (`Int32Array`s) so a million tasks cost a few bytes
 * per edge, and a task's dependents are found without a scan.
 *
 * @module
 */
import { MAX_LISTED, TaskFileError } from "./errors.ts";
import { nameProblem } from "./names.ts";
import { closest } from "./suggest.ts";
import type { Problem, Task } from "./task.ts";

/**
 * An acyclic task graph. Build it with {@linkcode TaskGraph.from} (throws) or
 * {@linkcode TaskGraph.analyze} (returns the problems).
 *
 * @example
 * ```ts
 * import { TaskGraph } from "./graph.ts";
 * const graph = TaskGraph.from([
 *   { name: "a", type: "exec", arguments: "true" },
 *   { name: "b", type: "exec", arguments: "true", dependencies: ["a"] },
 * ]);
 * console.log([...graph.dependentsOf(0)]); // [1]
 * ```
 */
export class TaskGraph {
  /** The tasks, in the order given. Task `i` is `tasks[i]`. */
  readonly tasks: readonly Task[];
  /** Task index by name. */
  readonly index: ReadonlyMap<string, number>;
  /** Every task once, each after all its dependencies. */
  readonly order: Int32Array;
  readonly #depStart: Int32Array;
  readonly #deps: Int32Array;
  readonly #dependentStart: Int32Array;
  readonly #dependents: Int32Array;

  private constructor(
    tasks: readonly Task[],
    index: Map<string, number>,
    depStart: Int32Array,
    deps: Int32Array,
  ) {
    this.tasks = tasks;
    this.index = index;
    this.#depStart = depStart;
    this.#deps = deps;
    [this.#dependentStart, this.#dependents] = invert(depStart, deps, tasks.length);
    this.order = topologicalOrder(this);
  }

  /** Number of tasks. */
  get size(): number {
    return this.tasks.length;
  }

  /** Number of distinct dependency edges. */
  get edgeCount(): number {
    return this.#deps.length;
  }

  /** Indices of the distinct tasks that task `i` depends on. */
  dependenciesOf(i: number): Int32Array {
    return this.#deps.subarray(this.#depStart[i], this.#depStart[i + 1]);
  }

  /** Indices of the tasks that depend on task `i`. */
  dependentsOf(i: number): Int32Array {
    return this.#dependents.subarray(this.#dependentStart[i], this.#dependentStart[i + 1]);
  }

  /**
   * Each task's remaining critical path: its own weight plus the heaviest chain of dependents
   * after it. With no weights every task weighs 1, so this is the depth to the farthest sink.
   *
   * @example
   * ```ts
   * import { TaskGraph } from "./graph.ts";
   * const g = TaskGraph.from([
   *   { name: "a", type: "exec", arguments: "true" },
   *   { name: "b", type: "exec", arguments: "true", dependencies: ["a"] },
   * ]);
   * console.log([...g.remainingPath()]); // [2, 1]
   * ```
   */
  remainingPath(weight: (i: number) => number = () => 1): Float64Array {
    const path = new Float64Array(this.size);
    for (let k = this.order.length - 1; k >= 0; k--) {
      const i = this.order[k];
      let longest = 0;
      for (const d of this.dependentsOf(i)) if (path[d] > longest) longest = path[d];
      path[i] = weight(i) + longest;
    }
    return path;
  }

  /**
   * Builds the graph, or throws a {@linkcode TaskFileError} listing every problem.
   *
   * @example
   * ```ts
   * import { TaskGraph } from "./graph.ts";
   * TaskGraph.from([{ name: "a", type: "exec", arguments: "true", dependencies: ["a"] }]); // throws
   * ```
   */
  static from(tasks: readonly Task[], file = "<tasks>"): TaskGraph {
    const { graph, problems } = TaskGraph.analyze(tasks);
    if (!graph) throw new TaskFileError(file, problems);
    return graph;
  }

  /**
   * Builds the graph and returns it, or returns every problem that stops it from running:
   * duplicate names, unknown dependencies, self dependencies and cycles, each with a JSON path.
   *
   * @example
   * ```ts
   * import { TaskGraph } from "./graph.ts";
   * const { problems } = TaskGraph.analyze([{ name: "a", type: "exec", arguments: "", dependencies: ["b"] }]);
   * console.log(problems[0].message); // unknown dependency "b"
   * ```
   */
  static analyze(
    tasks: readonly Task[],
    options: AnalyzeOptions = {},
  ): { graph?: TaskGraph; problems: Problem[] } {
    const problems: Problem[] = [];
    const index = new Map<string, number>();
    tasks.forEach((task, i) => {
      const bad = nameProblem(task.name, i);
      if (bad) problems.push({ ...bad, path: ["tasks", i, "name"] });
      const first = index.get(task.name);
      if (first === undefined) index.set(task.name, i);
      else {
        problems.push({
          message: `duplicate task name (first defined as task #${first + 1})`,
          task: task.name,
          path: ["tasks", i, "name"],
          hint: "give each task a unique name",
        });
      }
    });

    const depStart = new Int32Array(tasks.length + 1);
    const deps: number[] = [];
    // seenBy[d] === i + 1: task i already lists d (a repeated dependency counts once).
    const seenBy = new Int32Array(tasks.length);
    // A suggestion scans every name, so only as many are made as a message prints: with one for
    // each unknown dependency, 16k tasks that all named a missing task took 147 s to check.
    let suggestions = MAX_LISTED;
    for (let i = 0; i < tasks.length; i++) {
      const task = tasks[i];
      depStart[i] = deps.length;
      const names = task.dependencies ?? [];
      for (let j = 0; j < names.length; j++) {
        const name = names[j];
        const d = index.get(name);
        if (d === i) {
          problems.push({
            message: "task depends on itself",
            task: task.name,
            path: ["tasks", i, "dependencies", j],
            hint: `remove "${name}" from its dependencies`,
          });
        } else if (d === undefined) {
          const guess = suggestions-- > 0 ? closest(name, namesBut(index.keys(), task.name)) : undefined;
          problems.push({
            message: `unknown dependency ${JSON.stringify(name)}`,
            task: task.name,
            path: ["tasks", i, "dependencies", j],
            hint: guess === undefined
              ? "name a task defined in this file, or remove the dependency"
              : `did you mean ${JSON.stringify(guess)}?`,
          });
        } else {
          if (options.shareNames) (names as string[])[j] = tasks[d].name;
          if (seenBy[d] !== i + 1) {
            seenBy[d] = i + 1;
            deps.push(d);
          }
        }
      }
    }
    depStart[tasks.length] = deps.length;

    // Cycles are looked for among the valid edges even when others are wrong, so that one run
    // of the checks reports every problem.
    const graph = new TaskGraph(tasks, index, depStart, Int32Array.from(deps));
    if (graph.order.length < tasks.length) { for (const cycle of findCycles(graph)) problems.push(cycle); }
    return problems.length ? { problems } : { graph, problems };
  }
}

/**
 * Options of {@linkcode TaskGraph.analyze}.
 *
 * @example
 * ```ts
 * import type { AnalyzeOptions } from "./graph.ts";
 * const options: AnalyzeOptions = { shareNames: true };
 * ```
 */
export interface AnalyzeOptions {
  /**
   * Replace each dependency name with the named task's own `name` string: the same text, held
   * once. `JSON.parse` makes a string for every occurrence; at a million tasks of three
   * dependencies sharing them saves 67 MB (measured). Only for task objects the caller owns, as
   * the loader does: it writes into their `dependencies` arrays. Default: `false`.
   */
  shareNames?: boolean;
}

/** Reverses the dependency rows into dependent rows. */
function invert(start: Int32Array, list: Int32Array, n: number): [Int32Array, Int32Array] {
  const outStart = new Int32Array(n + 1);
  for (const d of list) outStart[d + 1]++;
  for (let i = 0; i < n; i++) outStart[i + 1] += outStart[i];
  const fill = outStart.slice(0, n);
  const out = new Int32Array(list.length);
  for (let i = 0; i < n; i++) {
    for (let k = start[i]; k < start[i + 1]; k++) out[fill[list[k]]++] = i;
  }
  return [outStart, out];
}

/** Kahn's algorithm; tasks on or behind a cycle are left out, which is how cycles are detected. */
function topologicalOrder(graph: TaskGraph): Int32Array {
  const n = graph.size;
  const waiting = new Int32Array(n);
  const order = new Int32Array(n);
  let tail = 0;
  for (let i = 0; i < n; i++) {
    waiting[i] = graph.dependenciesOf(i).length;
    if (waiting[i] === 0) order[tail++] = i;
  }
  for (let head = 0; head < tail; head++) {
    for (const d of graph.dependentsOf(order[head])) if (--waiting[d] === 0) order[tail++] = d;
  }
  return order.subarray(0, tail);
}

/**
 * Names each distinct cycle once. Every task left out of the topological order has a dependency
 * that is also left out, so walking such dependencies must come back to a task of the walk.
 */
function findCycles(graph: TaskGraph): Problem[] {
  const n = graph.size;
  const ordered = new Uint8Array(n);
  for (const i of graph.order) ordered[i] = 1;
  // 0: not walked, 1: on the current walk, 2: walked before
  const state = new Uint8Array(n);
  const problems: Problem[] = [];
  for (let start = 0; start < n; start++) {
    if (ordered[start] || state[start]) continue;
    const walk: number[] = [];
    let i = start;
    while (state[i] === 0) {
      state[i] = 1;
      walk.push(i);
      i = graph.dependenciesOf(i).find((d) => !ordered[d])!;
    }
    if (state[i] === 1) {
      const cycle = walk.slice(walk.indexOf(i));
      // The lowest index is the task first in the file; no spread, a cycle may hold 100k tasks.
      const first = cycle.indexOf(cycle.reduce((a, b) => Math.min(a, b)));
      const rotated = [...cycle.slice(first), ...cycle.slice(0, first)];
      const from = rotated[0];
      const to = graph.tasks[rotated[1 % rotated.length]].name;
      problems.push({
        message: `${cycleLength(rotated.length)}: ${cyclePath(rotated.map((k) => graph.tasks[k].name))} ` +
          `(-> means "depends on")`,
        task: graph.tasks[from].name,
        path: ["tasks", from, "dependencies", graph.tasks[from].dependencies!.indexOf(to)],
        hint: "remove one dependency of the cycle",
      });
    }
    for (const k of walk) state[k] = 2;
  }
  return problems;
}

/** How many tasks a cycle shows by name: a long one shows its start and its end. */
const CYCLE_SHOWN = 8;

function cycleLength(n: number): string {
  return n === 1 ? "cycle" : `cycle of ${n} tasks`;
}

/** `a -> b -> c -> a`; a long cycle leaves out its middle and says how many it left out. */
function cyclePath(names: string[]): string {
  if (names.length <= CYCLE_SHOWN + 2) return [...names, names[0]].join(" -> ");
  const left = names.length - CYCLE_SHOWN - 1;
  return [...names.slice(0, CYCLE_SHOWN), `… ${left} more …`, names.at(-1), names[0]].join(" -> ");
}

/** `names` without `own`: a task's own name is no fix for its dependencies, it cannot depend on itself. */
function* namesBut(names: Iterable<string>, own: string): Generator<string> {
  for (const name of names) if (name !== own) yield name;
}
