/**
 * `dagrun graph FILE [TARGET...] --format dot|mermaid [--report PATH]`: prints the dependency
 * graph, coloured by the statuses of a finished run when given its JSON report.
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { TaskStatus } from "../events.ts";
import { loadTaskFile } from "../load.ts";
import { formatGraph } from "../report/graph.ts";
import { readReportFile } from "../report/read.ts";
import { selectTasks } from "../select.ts";
import { type CliIO, EXIT, oneOf, UsageError, usageErrors } from "./common.ts";

/**
 * Runs `dagrun graph` with `args` (after the word `graph`); returns the exit code.
 *
 * @throws {TaskFileError} for an invalid task file, unknown target or unreadable report.
 * @example
 * ```ts
 * import { graphCommand } from "./graph.ts";
 * import { processIO } from "./common.ts";
 * await graphCommand(["examples/example.json", "--format", "mermaid"], processIO);
 * ```
 */
export async function graphCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = usageErrors(() =>
    parseArgs({
      args,
      options: {
        format: { type: "string", default: "dot" },
        report: { type: "string" },
        exclude: { type: "string", multiple: true },
      },
      allowPositionals: true,
    })
  );
  const format = oneOf("--format", values.format, ["dot", "mermaid"] as const);
  const [path, ...targets] = positionals;
  if (path === undefined) throw new UsageError("missing task file: dagrun graph FILE");
  const file = await loadTaskFile(path);
  const { graph } = selectTasks(file.graph, { targets, exclude: values.exclude, file: file.path });
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
