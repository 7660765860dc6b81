/**
 * What a task name may be: not empty, and free of control characters, since every name is
 * printed on the terminal, one line each.
 *
 * @module
 */
import type { Problem } from "./task.ts";

/**
 * The index of the first control character (C0, DEL or C1) in `text`, or -1. Such characters
 * in a task name would break the one-line `Started:` and `Ended :` format, and ESC or OSC
 * sequences would reach the terminal.
 *
 * @example
 * ```ts
 * import { controlCharAt } from "./names.ts";
 * controlCharAt("build"); // -1
 * controlCharAt("new\nline"); // 3
 * ```
 */
export function controlCharAt(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return i;
  }
  return -1;
}

/**
 * The problem with a task name that is empty or holds a control character, or undefined for a
 * good name. `index` is the task's place in the list, counted from 0.
 *
 * @example
 * ```ts
 * import { nameProblem } from "./names.ts";
 * nameProblem("a\u001b]0;title\u0007", 2)?.message;
 * // "task #3: the name contains a control character (U+001B) at character 2"
 * ```
 */
export function nameProblem(name: string, index: number): Problem | undefined {
  if (name === "") {
    return { message: `task #${index + 1}: the name is empty`, hint: "give the task a name" };
  }
  const at = controlCharAt(name);
  if (at < 0) return undefined;
  const code = name.charCodeAt(at).toString(16).toUpperCase().padStart(4, "0");
  return {
    message: `task #${index + 1}: the name contains a control character (U+${code}) at character ${at + 1}`,
    hint: "use printable characters only: a name is printed on one line of the terminal",
  };
}
