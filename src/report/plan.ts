/**
 * What `dagrun check` prints: the size of the graph, its dependency levels and its longest chain.
 *
 * @module
 */
import type { TaskGraph } from "../graph.ts";
import type { Plan } from "../plan.ts";
import { Colors } from "./colors.ts";
import { count } from "./format.ts";

/** A level lists at most this many names, then how many more: one screen for big graphs. */
const MAX_NAMES = 12;
/** At most this many levels are listed, then how many more. */
const MAX_LEVELS = 30;

/**
 * The plan as text.
 *
 * @example
 * ```ts
 * import { TaskGraph } from "../graph.ts";
 * import { planOf } from "../plan.ts";
 * import { formatPlan } from "./plan.ts";
 * const graph = TaskGraph.from([
 *   { name: "a", type: "exec", arguments: "true" },
 *   { name: "b", type: "exec", arguments: "true", dependencies: ["a"] },
 * ]);
 * console.log(formatPlan(graph, planOf(graph)));
 * ```
 */
export function formatPlan(graph: TaskGraph, plan: Plan, colors: Colors = new Colors(false)): string {
  const lines = [
    `${count(graph.size, "task")}, ${count(graph.edgeCount, "dependency", "dependencies")}, ` +
    count(plan.levels.length, "level"),
    colors.bold("Levels (a task starts once its dependencies on earlier levels succeed):"),
  ];
  const width = String(plan.levels.length).length;
  for (const [k, level] of plan.levels.slice(0, MAX_LEVELS).entries()) {
    const names = level.slice(0, MAX_NAMES).map((i) => colors.task(graph.tasks[i].name)).join(", ");
    const more = level.length > MAX_NAMES ? `, … ${level.length - MAX_NAMES} more` : "";
    lines.push(`  ${String(k + 1).padStart(width)}  (${level.length})  ${names}${more}`);
  }
  if (plan.levels.length > MAX_LEVELS) lines.push(`  … ${plan.levels.length - MAX_LEVELS} more levels`);
  const chain = plan.longestChain.map((i) => graph.tasks[i].name);
  const shown = chain.length > 2 * MAX_NAMES
    ? [...chain.slice(0, MAX_NAMES), `… ${chain.length - 2 * MAX_NAMES} more`, ...chain.slice(-MAX_NAMES)]
    : chain;
  lines.push(
    colors.bold(
      `Critical path by task count (the longest chain, ${count(chain.length, "task")}, in run order):`,
    ),
    `  ${shown.join(" → ")}`,
  );
  return lines.join("\n") + "\n";
}
