/**
 * Measures `--eval-isolation`: the same eval workloads inline and in worker threads, wall time and
 * peak RSS. `deno run -A scripts/eval_isolation.ts` (the numbers in the README's "Eval isolation").
 *
 * @module
 */
import process from "node:process";
import { run, type Task, workerEvalExecutor } from "../mod.ts";

/** Name, task count and snippet of each workload. */
const WORKLOADS: [string, number, string][] = [
  ["2 CPU-bound snippets (2e9 loop iterations each)", 2, "let x = 0; for (let i = 0; i < 2e9; i++) x += i;"],
  ["100 empty snippets", 100, ""],
  ["200 snippets waiting 1 s", 200, "await new Promise((r) => setTimeout(r, 1000));"],
];

/** Runs `tasks` with the given eval executor; returns wall time and peak RSS (sampled every 20 ms). */
async function measure(tasks: Task[], worker: boolean): Promise<{ ms: number; rssMb: number }> {
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const t0 = performance.now();
  const report = await run(tasks, worker ? { executors: { eval: workerEvalExecutor } } : {});
  const ms = performance.now() - t0;
  clearInterval(sampler);
  if (!report.ok) throw new Error("a task failed");
  return { ms, rssMb: peak / 1e6 };
}

if (import.meta.main) {
  for (const [label, n, code] of WORKLOADS) {
    const tasks = Array.from(
      { length: n },
      (_, i): Task => ({ name: `t${i}`, type: "eval", arguments: code }),
    );
    const inline = await measure(tasks, false);
    const worker = await measure(tasks, true);
    console.log(
      `${label}: inline ${inline.ms.toFixed(0)} ms (peak RSS ${inline.rssMb.toFixed(0)} MB), ` +
        `worker ${worker.ms.toFixed(0)} ms (peak RSS ${worker.rssMb.toFixed(0)} MB)`,
    );
  }
}
