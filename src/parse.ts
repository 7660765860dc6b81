/**
 * Parses task file text, JSON or JSONC (comments, trailing commas), and gives every problem its
 * line and column. `loadTaskFile` comes here only for JSONC or a file with problems or warnings.
 *
 * @module
 */
import { parse as parseJsonc, type ParseError, printParseErrorCode } from "./deps/jsonc_parser.ts";
import { TaskFileError } from "./errors.ts";
import { type CheckedData, checkTaskData, type TaskFile, withoutBom } from "./load.ts";
import { badPatterns } from "./patterns.ts";
import { Positions } from "./positions.ts";

/**
 * Parses and validates task file text (JSON, or JSONC with comments and trailing commas).
 *
 * @param text The file's content.
 * @param path The name used in messages. Default: `<input>`.
 * @throws {TaskFileError} listing every problem, each with line and column.
 * @example
 * ```ts
 * import { parseTaskFile } from "./parse.ts";
 * const file = parseTaskFile(`{
 *   // JSONC is fine
 *   "tasks": [{ "name": "hello", "type": "exec", "arguments": "echo hi" },],
 * }`);
 * console.log(file.tasks[0].name); // hello
 * ```
 */
export function parseTaskFile(text: string, path = "<input>"): TaskFile {
  text = withoutBom(text);
  return placed(text, path, checkTaskData(parseJson(text, path), badPatterns));
}

/**
 * The task file of checked data, its warnings placed in `text`; throws a {@linkcode TaskFileError}
 * with every problem placed when there are problems.
 *
 * @example
 * ```ts
 * import { checkTaskData } from "./load.ts";
 * import { placed } from "./parse.ts";
 * const text = '{"tasks": [{"name": "a", "type": "exec", "arguments": "true", "timout": 1}]}';
 * console.log(placed(text, "tasks.json", checkTaskData(JSON.parse(text))).warnings[0].column); // 63
 * ```
 */
export function placed(text: string, path: string, checked: CheckedData): TaskFile {
  const positions = new Positions(text);
  if (!checked.graph) throw new TaskFileError(path, positions.locate(checked.problems));
  return { path, tasks: checked.tasks, graph: checked.graph, warnings: positions.locate(checked.warnings) };
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
