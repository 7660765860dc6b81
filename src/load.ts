/**
 * Reads a task file (JSON or JSONC), validates it and builds its graph. Every problem is reported
 * at once, with `FILE:LINE:COL`, in a {@linkcode TaskFileError}.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import process from "node:process";
import { parse as parseJsonc, type ParseError, printParseErrorCode } from "./deps/jsonc_parser.ts";
import { readFailure, TaskFileError } from "./errors.ts";
import { TaskGraph } from "./graph.ts";
import { concatBytes } from "./output/bytes.ts";
import { Positions } from "./positions.ts";
import type { Problem, Task } from "./task.ts";
import { checkSchema } from "./validate.ts";

/**
 * A task file after loading: its tasks in file order, their graph and any warnings.
 *
 * @example
 * ```ts
 * import { parseTaskFile } from "./load.ts";
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
  return parseTaskFile(await readText(path), path);
}

/**
 * The file as text. A file is read straight into a string: holding its bytes and its text at
 * once cost 190 MB more peak memory at a million tasks. That decoding is lenient, so text with
 * a replacement character is read again as bytes, which only valid UTF-8 passes.
 */
async function readText(path: string): Promise<string> {
  try {
    if (path === "-") return decode(await readStdin(), path);
    const text = await readFile(path, "utf8");
    return text.includes("\uFFFD") ? decode(await readFile(path), path) : text;
  } catch (e) {
    if (e instanceof TaskFileError) throw e;
    throw new TaskFileError(path, [{
      message: `cannot read the task file: ${readFailure(e)}`,
      hint: "check the path",
    }]);
  }
}

/**
 * Parses and validates task file text (JSON, or JSONC with comments and trailing commas).
 *
 * @param text The file's content.
 * @param path The name used in messages. Default: `<input>`.
 * @throws {TaskFileError} listing every problem, each with line and column.
 * @example
 * ```ts
 * import { parseTaskFile } from "./load.ts";
 * const file = parseTaskFile(`{
 *   // JSONC is fine
 *   "tasks": [{ "name": "hello", "type": "exec", "arguments": "echo hi" },],
 * }`);
 * console.log(file.tasks[0].name); // hello
 * ```
 */
export function parseTaskFile(text: string, path = "<input>"): TaskFile {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const data = parseJson(text, path);
  const positions = new Positions(text);
  const { errors, warnings } = checkSchema(data);
  if (errors.length) throw new TaskFileError(path, positions.locate(errors));
  const tasks = (data as { tasks: Task[] }).tasks;
  // The tasks are ours (just parsed): their dependency names can share the tasks' name strings.
  const { graph, problems } = TaskGraph.analyze(tasks, { shareNames: true });
  if (!graph) throw new TaskFileError(path, positions.locate(problems));
  return { path, tasks, graph, warnings: positions.locate(warnings) };
}

/** `JSON.parse` first (fast, lean on memory); JSONC only when plain JSON does not parse. */
function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    const errors: ParseError[] = [];
    let data;
    try {
      data = parseJsonc(text, errors, { allowTrailingComma: true });
    } catch (e) {
      // The JSONC parser recurses: tens of thousands of nested brackets overflow its stack.
      if (!(e instanceof RangeError)) throw e;
      throw new TaskFileError(path, [{
        message: "invalid JSON, nested too deeply to read",
        hint: 'a task file needs a few levels only: {"tasks": [{"name": …, "type": …, "arguments": …}]}',
      }]);
    }
    if (errors.length === 0) return data;
    const { line, column } = new Positions(text).at(errors[0].offset);
    throw new TaskFileError(path, [{
      message: `invalid JSON: ${describeSyntaxError(printParseErrorCode(errors[0].error))}`,
      line,
      column,
      hint: "fix the syntax here (comments and trailing commas are allowed)",
    }]);
  }
}

/** `CloseBraceExpected` → `close brace expected`. */
function describeSyntaxError(code: string): string {
  return code.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
}

function decode(bytes: Uint8Array, path: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    const text = new TextDecoder().decode(bytes);
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
