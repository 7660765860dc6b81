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
 * A caller can add a task type with `executors`, cancel with `signal`, and show the run with the
 * same `TextReporter` the command line uses.
 *
 * @module
 */
export { loadTaskFile, parseTaskFile, type TaskFile } from "./src/load.ts";
export { builtinExecutors, type FailurePolicy, run, type RunOptions } from "./src/scheduler.ts";
export { TaskFileError } from "./src/errors.ts";
export { TaskGraph } from "./src/graph.ts";
export { historyWeight, loadHistory } from "./src/history.ts";
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
  TaskReport,
  TaskStatus,
} from "./src/events.ts";
export type { Executor, ExecutorContext, Outcome } from "./src/executors/types.ts";
export {
  formatReport,
  type OutputMode,
  TextReporter,
  type TextReporterOptions,
  type Write,
} from "./src/report/text.ts";
export { writeJsonReport } from "./src/report/json.ts";
export { taskFileSchema } from "./src/schema.ts";
export { VERSION } from "./src/version.ts";
