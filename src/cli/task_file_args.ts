/**
 * What the commands that read a task file (`run`, `check`, `graph`) share: `FILE [TARGET...]` and
 * `--exclude`, `--color`, loading the file with its warnings on stderr, and selecting the targets.
 *
 * @module
 */
import { formatProblem } from "../errors.ts";
import { loadTaskFile, type TaskFile } from "../load.ts";
import type { Problem } from "../task.ts";
import { COLOR_MODES, type ColorMode, useColor } from "../report/colors.ts";
import { type Selection, selectTasks } from "../select.ts";
import { type CliIO, oneOf, UsageError } from "./common.ts";

/** The options of every command that reads a task file, as `parseArgs` takes them. */
export const TASK_FILE_OPTIONS = {
  exclude: { type: "string", multiple: true },
} as const;

/** `--color`, as `parseArgs` takes it, for the commands that colour what they print. */
export const COLOR_OPTION = {
  color: { type: "string", default: COLOR_MODES[0] },
} as const;

/** The task file and the selection a command was given. */
export interface TaskFileArgs {
  /** The task file; `-` for stdin. */
  path: string;
  /** The tasks to run or show, with what they depend on; none: every task. */
  targets: string[];
  /** `--exclude` patterns. */
  exclude: string[];
}

/**
 * The task file and targets from a command's positionals and its `--exclude`; throws a
 * {@linkcode UsageError} naming the command when the file is missing.
 *
 * @example
 * ```ts
 * import { taskFileArgs } from "./task_file_args.ts";
 * taskFileArgs("graph", ["tasks.json", "build"], { exclude: ["lint"] });
 * // { path: "tasks.json", targets: ["build"], exclude: ["lint"] }
 * ```
 */
export function taskFileArgs(
  command: string,
  positionals: readonly string[],
  values: { exclude?: string[] },
): TaskFileArgs {
  const [path, ...targets] = positionals;
  if (path === undefined) throw new UsageError(`missing task file: dagrun ${command} FILE`);
  return { path, targets, exclude: values.exclude ?? [] };
}

/**
 * The checked `--color` choice.
 *
 * @example
 * ```ts
 * import { colorMode } from "./task_file_args.ts";
 * colorMode({ color: "never" }); // "never"
 * ```
 */
export function colorMode(values: { color: string }): ColorMode {
  return oneOf("--color", values.color, COLOR_MODES);
}

/**
 * Whether to colour what goes to `stream`, by `--color`, the environment and whether that stream
 * is a terminal.
 *
 * @example
 * ```ts
 * import { colorOn } from "./task_file_args.ts";
 * colorOn({ write: () => {}, isTTY: { stdout: true, stderr: false } }, "auto", "stdout"); // true
 * ```
 */
export function colorOn(io: CliIO, mode: ColorMode, stream: "stdout" | "stderr"): boolean {
  return useColor(mode, io.isTTY?.[stream] ?? false, io.env ?? {});
}

/**
 * One warning as every command prints it on stderr: `FILE:LINE:COL: warning: …`, and the fix on
 * the next line when there is one.
 *
 * @example
 * ```ts
 * import { formatWarning } from "./task_file_args.ts";
 * formatWarning("t.json", { message: "unknown property", line: 3, column: 5, hint: "remove it" });
 * // "t.json:3:5: warning: unknown property\n  fix: remove it\n"
 * ```
 */
export function formatWarning(file: string, w: Problem): string {
  return `${formatProblem(file, w, "warning")}\n${w.hint ? `  fix: ${w.hint}\n` : ""}`;
}

/**
 * Loads a task file and prints its warnings to stderr, where they go for every command: stdout
 * keeps only what the command makes (the run's output, the plan, the graph). A
 * {@linkcode TaskFileError} is left to the caller (`main` prints it and exits 2).
 *
 * @example
 * ```ts
 * import { loadWithWarnings } from "./task_file_args.ts";
 * import { processIO } from "./process_io.ts";
 * const file = await loadWithWarnings("examples/example.json", processIO());
 * ```
 */
export async function loadWithWarnings(path: string, io: CliIO): Promise<TaskFile> {
  const file = await loadTaskFile(path);
  if (file.warnings.length) {
    io.write(
      "stderr",
      file.warnings.map((w) => formatWarning(file.path, w)).join(""),
    );
  }
  return file;
}

/**
 * The tasks a command works on: the targets with what they depend on, less the excluded ones.
 *
 * @throws {TaskFileError} for a target or pattern that names no task.
 * @example
 * ```ts
 * import { parseTaskFile } from "../parse.ts";
 * import { selectionOf } from "./task_file_args.ts";
 * const file = parseTaskFile('{"tasks":[{"name":"a","type":"exec","arguments":"true"}]}');
 * selectionOf(file, { path: file.path, targets: ["a"], exclude: [] }).graph.size; // 1
 * ```
 */
export function selectionOf(file: TaskFile, args: TaskFileArgs): Selection {
  return selectTasks(file.graph, { targets: args.targets, exclude: args.exclude, file: file.path });
}
