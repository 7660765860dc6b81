/**
 * Choosing what runs: targets (tasks to run, with everything they depend on) and exclusions
 * (tasks left out, together with what depends on them).
 *
 * @module
 */
import { TaskFileError } from "./errors.ts";
import { TaskGraph } from "./graph.ts";
import { closest } from "./suggest.ts";
import type { Problem } from "./task.ts";

/**
 * Options of {@linkcode selectTasks}.
 *
 * @example
 * ```ts
 * import type { SelectOptions } from "./select.ts";
 * const options: SelectOptions = { targets: ["deploy"], exclude: ["lint"] };
 * ```
 */
export interface SelectOptions {
  /** Tasks to run, with everything they depend on. Default: none, which means every task. */
  targets?: readonly string[];
  /**
   * Tasks not to run. Each is skipped (reason `excluded`), and so is every selected task that
   * depends on it; a task needed only by such skipped tasks is not selected at all. Default: none.
   */
  exclude?: readonly string[];
  /** The task file's name, for messages. Default: `<tasks>`. */
  file?: string;
}

/**
 * What {@linkcode selectTasks} chose: the graph of the selected tasks (file order kept), and the
 * excluded ones among them with the reason, by index in that graph — pass both to `run`.
 *
 * @example
 * ```ts
 * import type { Selection } from "./select.ts";
 * function describe(s: Selection) {
 *   return `${s.graph.size} tasks, ${s.skip.size} excluded`;
 * }
 * ```
 */
export interface Selection {
  /** The selected tasks and their dependencies. */
  graph: TaskGraph;
  /** Tasks of `graph` not to run, with why; their dependents are skipped by `run` too. */
  skip: Map<number, string>;
}

/**
 * Selects the targets and everything they depend on, minus exclusions. With neither targets nor
 * exclusions the graph is returned as it is.
 *
 * @throws {TaskFileError} naming every unknown target or excluded task, with a suggestion.
 * @example
 * ```ts
 * import { TaskGraph } from "./graph.ts";
 * import { selectTasks } from "./select.ts";
 * const graph = TaskGraph.from([
 *   { name: "a", type: "exec", arguments: "true" },
 *   { name: "b", type: "exec", arguments: "true", dependencies: ["a"] },
 *   { name: "c", type: "exec", arguments: "true" },
 * ]);
 * const { graph: selected } = selectTasks(graph, { targets: ["b"] });
 * console.log(selected.tasks.map((t) => t.name)); // ["a", "b"]
 * ```
 */
export function selectTasks(graph: TaskGraph, options: SelectOptions = {}): Selection {
  const targets = options.targets ?? [];
  const exclude = options.exclude ?? [];
  const problems = [
    ...unknownNames(graph, targets, "target"),
    ...unknownNames(graph, exclude, "excluded task"),
  ];
  if (problems.length) throw new TaskFileError(options.file ?? "<tasks>", problems);
  if (targets.length === 0 && exclude.length === 0) return { graph, skip: new Map() };

  const excluded = new Uint8Array(graph.size);
  for (const name of exclude) excluded[graph.index.get(name)!] = 1;
  const roots = targets.length ? targets.map((name) => graph.index.get(name)!) : [...graph.order];
  // What the targets reach, stopping at exclusions: the tasks the report will account for.
  const reached = walk(roots, (i) => excluded[i] ? [] : graph.dependenciesOf(i));
  // Of those, the ones that will be skipped: exclusions and what depends on them.
  const doomed = walk(
    [...reached].filter((i) => excluded[i]),
    (i) => graph.dependentsOf(i).filter((d) => reached.has(d)),
  );
  // The ones that will run: what the targets not doomed need. A task only doomed ones needed is
  // left out, as it would run for nothing.
  const running = walk(roots.filter((i) => !doomed.has(i)), (i) => graph.dependenciesOf(i));
  const keep = (i: number) => running.has(i) || doomed.has(i);
  const kept: number[] = [];
  for (let i = 0; i < graph.size; i++) if (keep(i)) kept.push(i);
  const tasks = kept.map((i) => {
    const task = graph.tasks[i];
    if (running.has(i) || !task.dependencies) return task;
    return { ...task, dependencies: task.dependencies.filter((d) => keep(graph.index.get(d)!)) };
  });
  const sub = kept.length === graph.size ? graph : TaskGraph.from(tasks);
  const skip = new Map<number, string>();
  kept.forEach((i, k) => excluded[i] && skip.set(k, "excluded"));
  return { graph: sub, skip };
}

/** Every index reachable from `from` through `next`, `from` included. */
function walk(from: Iterable<number>, next: (i: number) => Iterable<number>): Set<number> {
  const seen = new Set<number>();
  const stack = [...from];
  while (stack.length) {
    const i = stack.pop()!;
    if (seen.has(i)) continue;
    seen.add(i);
    for (const j of next(i)) if (!seen.has(j)) stack.push(j);
  }
  return seen;
}

function unknownNames(graph: TaskGraph, names: readonly string[], what: string): Problem[] {
  return names.filter((name) => !graph.index.has(name)).map((name) => {
    const guess = closest(name, graph.index.keys());
    return {
      message: `unknown ${what} ${JSON.stringify(name)}`,
      hint: guess !== undefined
        ? `did you mean ${JSON.stringify(guess)}?`
        : graph.size <= 12
        ? `name one of: ${[...graph.index.keys()].join(", ")}`
        : "name a task defined in the file",
    };
  });
}
