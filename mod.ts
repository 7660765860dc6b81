/**
 * dagrun runs a set of tasks with the most concurrency their dependencies allow.
 *
 * Load a task file, run it, read the report:
 *
 * ```ts
 * import { loadTaskFile, run } from "./mod.ts";
 *
 * const file = await loadTaskFile("examples/example.json");
 * const report = await run(file.graph, {
 *   concurrency: 4,
 *   onEvent: (e) => e.type === "ended" && console.log(e.task.name, e.report.status),
 * });
 * console.log(report.ok);
 * ```
 *
 * A caller can add a task type with `executors`, cancel with `signal`, pick targets with
 * `selectTasks`, and show the run with the same reporters the command line uses (`TextReporter`,
 * `StatusLine`, `TraceRecorder`, `analyzeTimings`).
 *
 * @module
 */
export { loadTaskFile, type TaskFile } from "./src/load.ts";
export { parseTaskFile } from "./src/parse.ts";
export {
  builtinExecutors,
  type FailurePolicy,
  type FreshnessGate,
  run,
  type RunOptions,
} from "./src/scheduler.ts";
export { Freshness, type FreshnessOptions } from "./src/freshness/freshness.ts";
export { TaskFileError } from "./src/errors.ts";
export { TaskGraph } from "./src/graph.ts";
export { historyWeight, loadHistory } from "./src/history.ts";
export { type Selection, type SelectOptions, selectTasks } from "./src/select.ts";
export { type Plan, planOf } from "./src/plan.ts";
export type { BuiltinTaskType, Problem, Task } from "./src/task.ts";
export type {
  EndedEvent,
  ErrorEvent,
  OutputEvent,
  RetryEvent,
  RunEvent,
  RunReport,
  SkippedEvent,
  StartedEvent,
  TaskEvent,
  TaskReport,
  TaskStatus,
  TimedTaskEvent,
  UpToDateEvent,
} from "./src/events.ts";
export type { Executor, ExecutorContext, Outcome, StopCause } from "./src/executors/types.ts";
export { formatReport, type OutputMode, TextReporter, type TextReporterOptions } from "./src/report/text.ts";
export type { Write } from "./src/report/format.ts";
export { writeJsonFile, writeJsonReport } from "./src/report/json.ts";
export { type ColorMode, Colors, useColor } from "./src/report/colors.ts";
export { StatusLine, type StatusLineOptions } from "./src/report/status.ts";
export { type TraceEvent, TraceRecorder } from "./src/report/trace.ts";
export {
  analyzeTimings,
  formatTimings,
  type PathStep,
  type RunTimings,
  type TaskSpan,
  type TaskTiming,
} from "./src/report/critical_path.ts";
export { formatGraph, type GraphFormat, type GraphOptions } from "./src/report/graph.ts";
export { workerEvalExecutor } from "./src/executors/eval_worker.ts";
export { taskFileSchema } from "./src/schema.ts";
export { VERSION } from "./src/version.ts";
