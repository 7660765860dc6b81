/**
 * The dependency graph as Graphviz DOT or Mermaid text: an arrow from each task to each task it
 * depends on (as in the assignment's picture), nodes filled by status when a finished run's
 * statuses are given.
 *
 * @module
 */
import type { TaskStatus } from "../events.ts";
import type { TaskGraph } from "../graph.ts";

/** Graph export formats. */
export type GraphFormat = "dot" | "mermaid";

/** Fill colours by status: the same green, red and grey as the terminal report. */
const FILL: Record<TaskStatus, string> = { ok: "#b7e4b7", failed: "#f4a6a6", skipped: "#d9d9d9" };

/**
 * Options of {@linkcode formatGraph}.
 *
 * @example
 * ```ts
 * import type { GraphOptions } from "./graph.ts";
 * const options: GraphOptions = { format: "mermaid", status: new Map([["build", "ok"]]) };
 * ```
 */
export interface GraphOptions {
  /** Default: `dot`. */
  format?: GraphFormat;
  /** Status of each task by name, such as from a JSON report; tasks not in it stay unfilled. */
  status?: ReadonlyMap<string, TaskStatus>;
}

/**
 * The graph as DOT (render with `dot -Tsvg`) or Mermaid (paste into Markdown).
 *
 * @example
 * ```ts
 * import { TaskGraph } from "../graph.ts";
 * import { formatGraph } from "./graph.ts";
 * const graph = TaskGraph.from([
 *   { name: "a", type: "exec", arguments: "true" },
 *   { name: "b", type: "exec", arguments: "true", dependencies: ["a"] },
 * ]);
 * console.log(formatGraph(graph, { format: "mermaid" }));
 * // graph TD
 * //   t0["a"]
 * //   t1["b"]
 * //   t1 --> t0
 * ```
 */
export function formatGraph(graph: TaskGraph, options: GraphOptions = {}): string {
  return options.format === "mermaid" ? mermaid(graph, options.status) : dot(graph, options.status);
}

function dot(graph: TaskGraph, status?: ReadonlyMap<string, TaskStatus>): string {
  const id = (i: number) => JSON.stringify(graph.tasks[i].name);
  const lines = ["digraph dagrun {", "  node [shape=ellipse];"];
  graph.tasks.forEach((task, i) => {
    const s = status?.get(task.name);
    lines.push(s ? `  ${id(i)} [style=filled, fillcolor="${FILL[s]}", tooltip="${s}"];` : `  ${id(i)};`);
  });
  for (let i = 0; i < graph.size; i++) {
    for (const d of graph.dependenciesOf(i)) lines.push(`  ${id(i)} -> ${id(d)};`);
  }
  lines.push("}");
  return lines.join("\n") + "\n";
}

function mermaid(graph: TaskGraph, status?: ReadonlyMap<string, TaskStatus>): string {
  // Node ids are indices, so any task name is safe; the name is the label.
  const lines = ["graph TD"];
  graph.tasks.forEach((task, i) => lines.push(`  t${i}["${mermaidText(task.name)}"]`));
  for (let i = 0; i < graph.size; i++) {
    for (const d of graph.dependenciesOf(i)) lines.push(`  t${i} --> t${d}`);
  }
  if (status) {
    for (const s of Object.keys(FILL) as TaskStatus[]) {
      const ids = graph.tasks.flatMap((t, i) => status.get(t.name) === s ? [`t${i}`] : []);
      if (ids.length) lines.push(`  classDef ${s} fill:${FILL[s]}`, `  class ${ids.join(",")} ${s}`);
    }
  }
  return lines.join("\n") + "\n";
}

/** Mermaid labels take HTML entities; quotes and angle brackets would end or break them. */
function mermaidText(text: string): string {
  return text.replace(/["<>#&]/g, (c) => `#${c.charCodeAt(0)};`);
}
