/**
 * Reading back a JSON report that `--report-json` wrote, for the commands that take one as input
 * (`--history`, `graph --report`): one reader, so both refuse a bad file with the same messages.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { readFailure, TaskFileError } from "../errors.ts";
import type { TaskStatus } from "../events.ts";

/** What a report's reader uses of each task: the fields every report has. */
export interface ReportRow {
  /** The task's name. */
  name: string;
  /** Its final status. */
  status: TaskStatus;
  /** How long it ran, in ms; `null` if it never started. */
  durationMs: number | null;
}

/**
 * Options of {@linkcode readReportFile}.
 *
 * @example
 * ```ts
 * import type { ReadReportOptions } from "./read.ts";
 * const options: ReadReportOptions = { what: "history file", hint: "leave out --history" };
 * ```
 */
export interface ReadReportOptions {
  /** What the file is to the command, for the messages: "history file", "report". */
  what: string;
  /** The fix printed under a refusal. */
  hint: string;
}

const STATUSES: ReadonlySet<unknown> = new Set<TaskStatus>(["ok", "failed", "skipped"]);
const SHAPE = '{"tasks": [{"name": …, "status": …, "durationMs": …}, …]}';

/**
 * Reads the tasks of a JSON report written by `--report-json`.
 *
 * @throws {TaskFileError} when the file cannot be read, is not JSON or is not such a report.
 * @example
 * ```ts
 * import { readReportFile } from "./read.ts";
 * const rows = await readReportFile("last-run.json", { what: "report", hint: "run with --report-json" });
 * console.log(rows.filter((t) => t.status === "failed").map((t) => t.name));
 * ```
 */
export async function readReportFile(path: string, options: ReadReportOptions): Promise<ReportRow[]> {
  const { what } = options;
  const fail = (message: string): never => {
    throw new TaskFileError(path, [{ message, hint: options.hint }]);
  };
  let text = "";
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    fail(`cannot read the ${what}: ${readFailure(e)}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    fail(`the ${what} is not JSON: ${(e as Error).message}`);
  }
  const tasks = (data as { tasks?: unknown })?.tasks;
  if (!Array.isArray(tasks) || !tasks.every(isRow)) {
    fail(`the ${what} is not a dagrun report: expected ${SHAPE}`);
  }
  return tasks as ReportRow[];
}

function isRow(t: unknown): t is ReportRow {
  const row = t as Partial<ReportRow> | null;
  return typeof row?.name === "string" && STATUSES.has(row.status) &&
    (row.durationMs === null || typeof row.durationMs === "number" && row.durationMs >= 0);
}
