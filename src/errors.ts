/**
 * The one error class dagrun throws for a user's mistake; its message is fit to print as is.
 *
 * @module
 */
import { count } from "./report/format.ts";
import type { Problem } from "./task.ts";

/** How many problems a message lists before it says how many more there are: one screen. */
export const MAX_LISTED = 15;
/** Longest line of a message, and longest task name in it: a 200 000-character name must not fill the screen. */
const MAX_LINE = 300;
const MAX_NAME = 60;

function clip(text: string, max = MAX_LINE): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * A task file (or the choice of tasks in it) that cannot run. `message` lists every problem with
 * `FILE:LINE:COL` and a fix; `problems` has them as data.
 *
 * @example
 * ```ts
 * import { parseTaskFile, TaskFileError } from "../mod.ts";
 * try {
 *   parseTaskFile('{"tasks":[{"name":"a","type":"exec","arguments":"true","dependencies":["a"]}]}', "t.json");
 * } catch (e) {
 *   if (e instanceof TaskFileError) console.error(e.message);
 * }
 * ```
 */
export class TaskFileError extends Error {
  /** The file the problems are in. */
  readonly file: string;
  /** Every problem found, in file order. */
  readonly problems: readonly Problem[];

  /** Makes the error; `problems` must not be empty. */
  constructor(file: string, problems: readonly Problem[]) {
    super(formatProblems(file, problems));
    this.name = "TaskFileError";
    this.file = file;
    this.problems = problems;
  }
}

/**
 * Formats problems the way dagrun prints them: a heading, then `FILE:LINE:COL: message` and the
 * fix on the next line, at most one screen.
 *
 * @example
 * ```ts
 * import { formatProblems } from "./errors.ts";
 * console.log(formatProblems("t.json", [{ message: "bad", line: 1, column: 2, hint: "fix it" }]));
 * ```
 */
export function formatProblems(file: string, problems: readonly Problem[]): string {
  const n = problems.length;
  const lines = [`${file}: ${count(n, "problem")}, nothing was run:`];
  for (const p of problems.slice(0, MAX_LISTED)) {
    lines.push(clip(`  ${formatProblem(file, p)}`));
    if (p.hint) lines.push(clip(`    fix: ${p.hint}`));
  }
  if (n > MAX_LISTED) lines.push(`  … and ${n - MAX_LISTED} more`);
  return lines.join("\n");
}

/**
 * One problem as `FILE:LINE:COL: task "NAME": message`.
 *
 * @example
 * ```ts
 * import { formatProblem } from "./errors.ts";
 * formatProblem("t.json", { message: "unknown dependency", task: "b", line: 3, column: 5 });
 * // 't.json:3:5: task "b": unknown dependency'
 * ```
 */
export function formatProblem(file: string, p: Problem): string {
  const place = p.line === undefined ? file : `${file}:${p.line}:${p.column ?? 1}`;
  const task = p.task === undefined ? "" : `task ${printable(clip(p.task, MAX_NAME))}: `;
  return `${place}: ${task}${p.message}`;
}

/** A name in quotes, with every control character escaped (JSON leaves DEL and C1 as they are). */
function printable(name: string): string {
  return JSON.stringify(name).replace(
    /[\u007f-\u009f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * Why a file could not be read, in a few words: `no such file`, `it is a directory`, or the
 * system's message.
 *
 * @example
 * ```ts
 * import { readFailure } from "./errors.ts";
 * readFailure(Object.assign(new Error("ENOENT: …"), { code: "ENOENT" })); // "no such file"
 * ```
 */
export function readFailure(error: unknown): string {
  const code = (error as { code?: string }).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EISDIR") return "it is a directory";
  return (error as Error).message;
}
