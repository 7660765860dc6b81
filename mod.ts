/**
 * dagrun runs a set of tasks with the most concurrency their dependencies allow.
 *
 * Load a task file, run it, read the report:
 *
 * ```ts
 * import { loadTaskFile, run } from "@dagrun/dagrun";
 *
 * const file = await loadTaskFile("examples/example.json");
 * const report = await run(file.graph, {
 *   concurrency: 4,
 *   onEvent: (e) => e.type === "ended" && console.log(e.task.name, e.report.status),
 * });
 * console.log(report.ok);
 * ```
 *
 * The front door: load or parse a task file ({@linkcode loadTaskFile}, {@linkcode parseTaskFile}),
 * pick targets ({@linkcode selectTasks}), {@linkcode run} the tasks with the events and the report
 * they give, add a task type of your own (an {@linkcode Executor} in `RunOptions.executors`), cancel
 * with `RunOptions.signal`. Problems with the tasks are one error, {@linkcode TaskFileError}, with a
 * message fit to print. The command line's options have their counterparts here: `--history` is
 * {@linkcode historyWeight}, incremental runs are {@linkcode Freshness}, `--eval-isolation worker` is
 * {@linkcode workerEvalExecutor}. What the command line shows of a run (the text output, the status
 * line, the trace, the critical path, the JSON report, the graph) is in `@dagrun/dagrun/reporters`
 * (`dagrun/reporters` on npm).
 *
 * @module
 */
export { loadTaskFile, type TaskFile } from "./src/load.ts";
export { parseTaskFile } from "./src/parse.ts";
export { TaskGraph } from "./src/graph.ts";
export type { BuiltinTaskType, Problem, Task } from "./src/task.ts";
export { TaskFileError } from "./src/errors.ts";
export { type Selection, type SelectOptions, selectTasks } from "./src/select.ts";
export {
  builtinExecutors,
  FAILURE_POLICIES,
  type FailurePolicy,
  type FreshnessGate,
  run,
  type RunOptions,
} from "./src/scheduler.ts";
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
export {
  type Executor,
  type ExecutorContext,
  INTERRUPTED,
  type Outcome,
  type RunExecutor,
  type RunScope,
  type StopCause,
} from "./src/executors/types.ts";
export { workerEvalExecutor } from "./src/executors/eval_worker.ts";
export { historyWeight, loadHistory } from "./src/history.ts";
export { Freshness, type FreshnessOptions } from "./src/freshness/freshness.ts";
export { VERSION } from "./src/version.ts";
