/**
 * Run history: the measured durations of a previous run's JSON report, used to weigh each task's
 * remaining critical path when a concurrency limit makes ready tasks wait. Depth alone (what
 * ninja and the JS runners use at best) treats a 5-minute link and a 5-millisecond one alike;
 * durations start the long chains first.
 *
 * @module
 */
import { readReportFile } from "./report/read.ts";
import type { Task } from "./task.ts";

const HINT = "pass a report written by --report-json, or leave out --history";

/**
 * Reads a JSON report (as written by `--report-json`) and returns each task's measured duration
 * in ms by name. Tasks that never ran (skipped) are left out.
 *
 * @throws {TaskFileError} when the file cannot be read or is not such a report.
 * @example
 * ```ts
 * import { loadHistory } from "./history.ts";
 * const durations = await loadHistory("last-run.json");
 * console.log(durations.get("build")); // 8123.4
 * ```
 */
export async function loadHistory(path: string): Promise<Map<string, number>> {
  const rows = await readReportFile(path, { what: "history file", hint: HINT });
  const durations = new Map<string, number>();
  for (const t of rows) if (t.durationMs !== null) durations.set(t.name, t.durationMs);
  return durations;
}

/**
 * The `weight` option of `run` for measured durations: a task weighs its duration; a task with no
 * measurement (new, or skipped last time) weighs the median measured duration, so among such
 * tasks the order is by depth, as without history.
 *
 * @example
 * ```ts
 * import { run } from "../mod.ts";
 * import { historyWeight } from "./history.ts";
 * const weight = historyWeight(new Map([["slow", 900], ["fast", 10]]));
 * await run([
 *   { name: "fast", type: "exec", arguments: "sleep 0.01" },
 *   { name: "slow", type: "exec", arguments: "sleep 0.9" },
 * ], { concurrency: 1, weight }); // slow starts first
 * ```
 */
export function historyWeight(durations: ReadonlyMap<string, number>): (task: Task) => number {
  const known = [...durations.values()].sort((a, b) => a - b);
  const fallback = known.length ? known[known.length >> 1] : 1;
  return (task) => durations.get(task.name) ?? fallback;
}
