/**
 * The shape of a task graph before it runs: its dependency levels and its longest chain.
 *
 * @module
 */
import type { TaskGraph } from "./graph.ts";

/**
 * What {@linkcode planOf} finds.
 *
 * @example
 * ```ts
 * import type { Plan } from "./plan.ts";
 * const plan: Plan = { levels: [[0], [1]], longestChain: [0, 1] };
 * ```
 */
export interface Plan {
  /**
   * Task indices by level: level 0 depends on nothing, level k on tasks of levels below k, at
   * least one of them on level k - 1. File order within a level.
   */
  levels: number[][];
  /** The longest dependency chain by task count, first task first (file order breaks ties). */
  longestChain: number[];
}

/**
 * Levels and longest chain of a graph, in time linear in tasks and edges.
 *
 * @example
 * ```ts
 * import { TaskGraph } from "./graph.ts";
 * import { planOf } from "./plan.ts";
 * const graph = TaskGraph.from([
 *   { name: "a", type: "exec", arguments: "true" },
 *   { name: "b", type: "exec", arguments: "true", dependencies: ["a"] },
 *   { name: "c", type: "exec", arguments: "true" },
 * ]);
 * console.log(planOf(graph).levels); // [[0, 2], [1]]
 * ```
 */
export function planOf(graph: TaskGraph): Plan {
  const n = graph.size;
  const level = new Int32Array(n);
  // The dependency through which each task reaches its level: the chain walks back along it.
  const via = new Int32Array(n).fill(-1);
  for (const i of graph.order) {
    for (const d of graph.dependenciesOf(i)) {
      if (level[d] + 1 > level[i] || (level[d] + 1 === level[i] && d < via[i])) {
        level[i] = level[d] + 1;
        via[i] = d;
      }
    }
  }
  const levels: number[][] = [];
  let deepest = -1;
  for (let i = 0; i < n; i++) {
    (levels[level[i]] ??= []).push(i);
    if (deepest < 0 || level[i] > level[deepest]) deepest = i;
  }
  const longestChain: number[] = [];
  for (let i = deepest; i >= 0; i = via[i]) longestChain.push(i);
  return { levels, longestChain: longestChain.reverse() };
}
