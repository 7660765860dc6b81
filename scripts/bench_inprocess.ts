/**
 * One in-process measurement of the benchmark's overhead workload, run in a fresh process by
 * `scripts/bench.ts`: `deno run -A scripts/bench_inprocess.ts dagrun|p-graph FILE` prints
 * `{"ms": …}`, the time to build the graph of FILE's tasks and run them all with no-op bodies.
 * Parsing the file is left out of it, as the two runners share that step.
 *
 * @module
 */
import { run, type Task, TaskGraph } from "../mod.ts";

const [runner, file] = Deno.args;
const { tasks } = JSON.parse(await Deno.readTextFile(file)) as { tasks: Task[] };

async function timeDagrun(): Promise<number> {
  const t0 = performance.now();
  const report = await run(TaskGraph.from(tasks));
  const ms = performance.now() - t0;
  if (!report.ok) throw new Error("dagrun: a task failed");
  return ms;
}

async function timePGraph(): Promise<number> {
  const { PGraph } = await import("npm:p-graph@^2.0.0");
  const t0 = performance.now();
  const nodes: Record<string, { run: () => Promise<void> }> = {};
  const edges: [string, string][] = [];
  for (const t of tasks) {
    nodes[t.name] = { run: () => Promise.resolve() };
    for (const d of t.dependencies ?? []) edges.push([d, t.name]);
  }
  await new PGraph(nodes, edges).run();
  return performance.now() - t0;
}

const ms = runner === "dagrun" ? await timeDagrun() : await timePGraph();
console.log(JSON.stringify({ ms, tasks: tasks.length }));
