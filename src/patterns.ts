/**
 * The check of the `inputs`/`outputs` glob patterns, with picomatch: a module of its own so that a
 * task file without patterns loads without the glob library (see `checkSchema`).
 *
 * @module
 */
import { picomatch } from "./deps/picomatch.ts";
import { controlCharAt } from "./names.ts";
import type { Problem } from "./task.ts";

/** What picomatch's `strictBrackets` refuses when unmatched. */
const MAY_FAIL = /[[\](){}]/;
/** picomatch's longest pattern. */
const MAX_PATTERN = 65536;

/**
 * Glob patterns that cannot mean what was meant: an unclosed `[`, `{` or `(` would otherwise
 * match itself literally and silently leave the task without its files.
 *
 * @example
 * ```ts
 * import { badPatterns } from "./patterns.ts";
 * console.log(badPatterns([{ name: "a", inputs: ["src/[ab.ts"] }])[0].path); // ["tasks", 0, "inputs", 0]
 * ```
 */
export function badPatterns(tasks: Record<string, unknown>[]): Problem[] {
  const problems: Problem[] = [];
  tasks.forEach((task, i) => {
    for (const key of ["inputs", "outputs"] as const) {
      (task[key] as string[] | undefined)?.forEach((pattern, j) => {
        // Only a bracket or an overlong pattern can fail: the others need no regular expression
        // made (1000 tasks' patterns took 35 ms of a 1 s run with nothing to do).
        if (!MAY_FAIL.test(pattern) && pattern.length <= MAX_PATTERN) return;
        try {
          picomatch.makeRe(pattern, { strictBrackets: true });
        } catch (e) {
          problems.push({
            message: `${JSON.stringify(pattern)} is not a valid glob pattern: ${
              (e as Error).message.replace(/ - use .*$/, "")
            }`,
            task: controlCharAt(task.name as string) < 0 ? task.name as string : undefined,
            path: ["tasks", i, key, j],
            hint: "close the bracket, or escape it with a backslash to match it literally",
          });
        }
      });
    }
  });
  return problems;
}
