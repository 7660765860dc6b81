/**
 * `dagrun graph FILE [TARGET...] --format dot|mermaid [--report PATH]`: prints the dependency
 * graph, coloured by the statuses of a finished run when given its JSON report.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { TaskFileError } from "../errors.ts";
import type { TaskStatus } from "../events.ts";
import { loadTaskFile } from "../load.ts";
import { formatGraph } from "../report/graph.ts";
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
  const fail = (message: string): never => {
    throw new TaskFileError(path, [{ message, hint: "give a file written by dagrun --report-json" }]);
  };
  let report: { tasks?: { name?: unknown; status?: unknown }[] };
  try {
    report = JSON.parse(await readFile(path, "utf8"));
  } catch (e) {
    const code = (e as { code?: string }).code;
    return fail(
      code === "ENOENT"
        ? "cannot read the report: no such file"
        : `cannot read the report: ${(e as Error).message}`,
    );
  }
  if (!Array.isArray(report?.tasks)) return fail('not a dagrun report: no "tasks" list');
  const status = new Map<string, TaskStatus>();
  for (const t of report.tasks) {
    if (
      typeof t?.name === "string" && (t.status === "ok" || t.status === "failed" || t.status === "skipped")
    ) {
      status.set(t.name, t.status);
    }
  }
  return status;
}
