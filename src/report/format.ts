/**
 * The small formatting pieces every output shares: where text is written, durations, the width
 * of a column of task names, and counted nouns. Low layers (output batching, the command line)
 * import them from here, not from a reporter.
 *
 * @module
 */

/** Where the reporter writes; each call must reach its stream whole, in order. */
export type Write = (stream: "stdout" | "stderr", data: string | Uint8Array) => void;

/**
 * The width of a column of task names: the longest name, within 4 to 40 characters. A loop, not
 * `Math.max(...names)`, which overflows the stack for a few hundred thousand tasks.
 *
 * @example
 * ```ts
 * import { nameWidth } from "./format.ts";
 * nameWidth([{ name: "build" }, { name: "test" }]); // 5
 * ```
 */
export function nameWidth(rows: Iterable<{ name: string }>): number {
  let width = 4;
  for (const row of rows) if (row.name.length > width) width = row.name.length;
  return Math.min(40, width);
}

/**
 * A duration as people read it: `12 ms`, `1.50 s`; `-` for none.
 *
 * @example
 * ```ts
 * import { formatDuration } from "./format.ts";
 * formatDuration(1500); // "1.50 s"
 * ```
 */
export function formatDuration(ms: number | null): string {
  if (ms === null) return "-";
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/**
 * A counted noun: `1 task`, `2 tasks`; `many` for a plural that is not `one` + `s`.
 *
 * @example
 * ```ts
 * import { count } from "./format.ts";
 * count(2, "task"); // "2 tasks"
 * count(1, "dependency", "dependencies"); // "1 dependency"
 * ```
 */
export function count(n: number, one: string, many: string = one + "s"): string {
  return `${n} ${n === 1 ? one : many}`;
}
