/**
 * What dagrun's command line shows of a run, for a program that runs tasks with `run` (from
 * `@dagrun/dagrun`, or `dagrun` on npm) and wants the same output: each reporter is fed the run's
 * events (`RunOptions.onEvent`) and, where it prints a summary, the final report.
 *
 * - {@linkcode TextReporter}: `Started:`/`Ended :` lines, task output as whole lines, the report.
 * - {@linkcode StatusLine}: the live `[12/40 done] 3 running: …` line at the bottom of a terminal.
 * - {@linkcode TraceRecorder}: a Chrome trace of the run, for Perfetto (`--trace`).
 * - {@linkcode analyzeTimings} and {@linkcode formatTimings}: the critical path (`--timings`).
 * - {@linkcode writeJsonReport}: the JSON report file (`--report-json`).
 * - {@linkcode formatReport}: the final report alone, as text.
 * - {@linkcode formatGraph}: the dependency graph as DOT or Mermaid (`dagrun graph`).
 *
 * ```ts
 * import { run } from "@dagrun/dagrun";
 * import { TextReporter } from "@dagrun/dagrun/reporters";
 *
 * const reporter = new TextReporter({ write: (_stream, data) => console.log(String(data).trimEnd()) });
 * const report = await run([{ name: "hello", type: "exec", arguments: "echo hello" }], {
 *   onEvent: (event) => reporter.handle(event),
 * });
 * reporter.finish(report);
 * ```
 *
 * @module
 */
export type { Write } from "./src/report/format.ts";
export {
  formatReport,
  OUTPUT_MODES,
  type OutputMode,
  TextReporter,
  type TextReporterOptions,
} from "./src/report/text.ts";
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
export { writeJsonReport } from "./src/report/json.ts";
export { formatGraph, GRAPH_FORMATS, type GraphFormat, type GraphOptions } from "./src/report/graph.ts";
