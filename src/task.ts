/**
 * The task model: what one entry of a task file holds once it is valid.
 *
 * @module
 */

/** The task types dagrun runs out of the box; a caller may add more through `RunOptions.executors`. */
export type BuiltinTaskType = "exec" | "eval";

/**
 * One task of a task file.
 *
 * @example
 * ```ts
 * import type { Task } from "./task.ts";
 * const task: Task = { name: "build", type: "exec", arguments: "make", dependencies: ["fetch"] };
 * ```
 */
export interface Task {
  /** Unique name; other tasks refer to it in their `dependencies`. */
  name: string;
  /** `exec` (a shell command), `eval` (a JavaScript async function body) or a caller-defined type. */
  type: BuiltinTaskType | (string & Record<never, never>);
  /** The shell command (`exec`) or JavaScript source (`eval`). */
  arguments: string;
  /** Names of the tasks that must succeed before this one starts. Default: none. */
  dependencies?: string[];
  /** Seconds the task may run before it is stopped and fails. Default: no limit (or `RunOptions.timeout`). */
  timeout?: number;
  /** How many more times a failed task runs. Default: 0 (or `RunOptions.retries`). */
  retries?: number;
  /** Seconds before the first retry, doubled for each further one. Default: 1. */
  retryDelay?: number;
  /** Working directory of an exec task, relative to `RunOptions.cwd`. Default: `RunOptions.cwd`. */
  cwd?: string;
  /** Environment variables of an exec task, merged over dagrun's own. Default: none. */
  env?: Record<string, string>;
  /**
   * Glob patterns of the files the task reads, relative to its `cwd` (default: the task file's
   * folder). A task with inputs is skipped when it is up to date. Default: none (runs every time).
   */
  inputs?: string[];
  /** Glob patterns of the files the task writes, relative to its `cwd`. Default: none. */
  outputs?: string[];
}

/**
 * One problem found in a task file.
 *
 * @example
 * ```ts
 * import type { Problem } from "./task.ts";
 * const p: Problem = { message: 'unknown dependency "tsk1"', task: "b", line: 4, column: 23, hint: 'did you mean "task1"?' };
 * ```
 */
export interface Problem {
  /** What is wrong, in one line. */
  message: string;
  /** The task it concerns, when there is one. */
  task?: string;
  /** 1-based line in the file, when known. */
  line?: number;
  /** 1-based column in the file, when known. */
  column?: number;
  /** How to fix it. */
  hint?: string;
  /** JSON path of the offending value (`["tasks", 3, "dependencies", 0]`), used to find line and column. */
  path?: (string | number)[];
}
