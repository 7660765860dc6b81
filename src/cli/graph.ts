/**
 * `dagrun graph FILE [TARGET...] --format dot|mermaid [--report PATH]`: prints the dependency
 * graph, coloured by the statuses of a finished run when given its JSON report.
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { TaskStatus } from "../events.ts";
import { formatGraph, GRAPH_FORMATS } from "../report/graph.ts";
import { readReportFile } from "../report/read.ts";
import { type CliIO, EXIT, oneOf, usageErrors } from "./common.ts";
import { loadWithWarnings, selectionOf, TASK_FILE_OPTIONS, taskFileArgs } from "./task_file_args.ts";

/**
 * Runs `dagrun graph` with `args` (after the word `graph`); returns the exit code.
 *
 * @throws {TaskFileError} for an invalid task file, unknown target or unreadable report.
 * @example
 * ```ts
 * import { graphCommand } from "./graph.ts";
 * import { processIO } from "./process_io.ts";
 * await graphCommand(["examples/example.json", "--format", "mermaid"], processIO());
 * ```
 */
export async function graphCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = usageErrors(() =>
    parseArgs({
      args,
      options: {
        ...TASK_FILE_OPTIONS,
        format: { type: "string", default: GRAPH_FORMATS[0] },
        report: { type: "string" },
      },
      allowPositionals: true,
    })
  );
  const format = oneOf("--format", values.format, GRAPH_FORMATS);
  const tasks = taskFileArgs("graph", positionals, values);
  const file = await loadWithWarnings(tasks.path, io);
  const { graph } = selectionOf(file, tasks);
  const status = values.report === undefined ? undefined : await readStatuses(values.report);
  io.write("stdout", formatGraph(graph, { format, status }));
  return EXIT.ok;
}

/** Task statuses from a `--report-json` file. */
async function readStatuses(path: string): Promise<Map<string, TaskStatus>> {
  const rows = await readReportFile(path, {
    what: "report",
    hint: "give a file written by dagrun --report-json",
  });
  return new Map(rows.map((t) => [t.name, t.status]));
}
