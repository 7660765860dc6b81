/**
 * Reads a task file (JSON or JSONC), validates it and builds its graph. Every problem is reported
 * at once, with `FILE:LINE:COL`, in a {@linkcode TaskFileError}.
 *
 * A plain JSON file without problems is read without jsonc-parser (loading it costs tens of ms at
 * each start); JSONC and files with problems or warnings go through `parse.ts`, which places them.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import process from "node:process";
import { readFailure, TaskFileError } from "./errors.ts";
import { TaskGraph } from "./graph.ts";
import { concatBytes } from "./output/bytes.ts";
import type { Problem, Task } from "./task.ts";
import { checkSchema, type PatternCheck } from "./validate.ts";

/**
 * A task file after loading: its tasks in file order, their graph and any warnings.
 *
 * @example
 * ```ts
 * import { parseTaskFile } from "./parse.ts";
 * const file = parseTaskFile('{"tasks":[{"name":"a","type":"exec","arguments":"true"}]}');
 * console.log(file.tasks.length, file.graph.edgeCount); // 1 0
 * ```
 */
export interface TaskFile {
  /** Where the tasks came from: a path, `-` for stdin, or the name given to `parseTaskFile`. */
  path: string;
  /** The tasks, in file order. */
  tasks: Task[];
  /** Their dependency graph, ready for `run`. */
  graph: TaskGraph;
  /** Problems that do not stop a run, such as a misspelt task property, with line and column. */
  warnings: Problem[];
}

/**
 * Reads and validates a task file; `-` reads standard input.
 *
 * @throws {TaskFileError} when the file cannot be read or is not a valid task file.
 * @example
 * ```ts
 * import { loadTaskFile } from "./load.ts";
 * const file = await loadTaskFile("examples/example.json");
 * console.log(file.tasks.map((t) => t.name));
 * ```
 */
export async function loadTaskFile(path: string): Promise<TaskFile> {
  const text = withoutBom(await readText(path));
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return (await import("./parse.ts")).parseTaskFile(text, path);
  }
  // Glob patterns are checked with picomatch, which parse.ts loads: a plain file does without it.
  if (declaresPatterns(data)) return (await import("./parse.ts")).parseTaskFile(text, path);
  const checked = checkTaskData(data);
  if (checked.graph && checked.warnings.length === 0) {
    return { path, tasks: checked.tasks, graph: checked.graph, warnings: [] };
  }
  return (await import("./parse.ts")).placed(text, path, checked);
}

/** Task file data after its checks: its tasks and graph, or its problems (not yet placed). */
export type CheckedData =
  | { tasks: Task[]; graph: TaskGraph; problems?: undefined; warnings: Problem[] }
  | { tasks?: undefined; graph?: undefined; problems: Problem[]; warnings: Problem[] };

/**
 * Checks parsed task file data against the schema, then its names, dependencies and cycles;
 * `checkPatterns` is needed when tasks declare `inputs` or `outputs` (see `checkSchema`).
 *
 * @example
 * ```ts
 * import { checkTaskData } from "./load.ts";
 * const { graph } = checkTaskData({ tasks: [{ name: "a", type: "exec", arguments: "true" }] });
 * console.log(graph?.size); // 1
 * ```
 */
export function checkTaskData(data: unknown, checkPatterns?: PatternCheck): CheckedData {
  const { errors, warnings } = checkSchema(data, checkPatterns);
  if (errors.length) return { problems: errors, warnings };
  const tasks = (data as { tasks: Task[] }).tasks;
  // The tasks are ours (just parsed): their dependency names can share the tasks' name strings.
  const { graph, problems } = TaskGraph.analyze(tasks, { shareNames: true });
  return graph ? { tasks, graph, warnings } : { problems, warnings };
}

/** True when some task of `data` (not yet validated) has `inputs` or `outputs`. */
function declaresPatterns(data: unknown): boolean {
  const tasks = (data as { tasks?: unknown } | null)?.tasks;
  return Array.isArray(tasks) &&
    tasks.some((t) => typeof t === "object" && t !== null && ("inputs" in t || "outputs" in t));
}

/** The text without a byte order mark. */
export function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * The file as text. A file is read straight into a string: holding its bytes and its text at
 * once cost 190 MB more peak memory at a million tasks. That decoding is lenient, so text with
 * a replacement character is read again as bytes, which only valid UTF-8 passes.
 */
async function readText(path: string): Promise<string> {
  try {
    if (path === "-") return await decode(await readStdin(), path);
    const text = await readFile(path, "utf8");
    return text.includes("\uFFFD") ? await decode(await readFile(path), path) : text;
  } catch (e) {
    if (e instanceof TaskFileError) throw e;
    throw new TaskFileError(path, [{
      message: `cannot read the task file: ${readFailure(e)}`,
      hint: "check the path",
    }]);
  }
}

async function decode(bytes: Uint8Array, path: string): Promise<string> {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    const text = new TextDecoder().decode(bytes);
    const { Positions } = await import("./positions.ts");
    const { line, column } = new Positions(text).at(text.indexOf("\uFFFD"));
    throw new TaskFileError(path, [{
      message: "the file is not valid UTF-8 text",
      line,
      column,
      hint: "save the file as UTF-8",
    }]);
  }
}

async function readStdin(): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Uint8Array);
  return concatBytes(chunks);
}
