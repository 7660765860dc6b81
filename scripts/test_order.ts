/**
 * The order test files start in, on Deno and on Node: the longest first, so that the run does not
 * end with one of them started last and running alone. Most of these wait rather than compute
 * (workers lost, Redis gone, a reader that sleeps), so they overlap well with the short files.
 *
 * @example
 * ```ts
 * import { longFirst } from "./test_order.ts";
 * console.log(longFirst(["tests/a_test.ts", "tests/remote_faults_test.ts"])[0]); // tests/remote_faults_test.ts
 * ```
 *
 * @module
 */
import { basename } from "node:path";

/**
 * Test files by their time alone on the 2-core machine, longest first (seconds, Deno, measured
 * 2026-11-30 with `deno test -A --no-check FILE`): the rest follow in name order.
 */
const LONG_FIRST = [
  "remote_faults_test", // 33 s
  "output_flow_test", // 27 s
  "remote_lost_test", // 26 s
  "incremental_test", // 23 s
  "output_lines_test", // 21 s
  "remote_test", // 13 s
  "cli_test", // 9 s
  "cli_example_test", // 7 s
  "fuzz_test",
  "faults_test",
  "spawn_queue_test",
  "controls_test",
  "eval_hostile_test",
  "timings_test",
  "status_line_test",
  "eval_worker_test",
];

/** `files` (paths of `*_test.ts` or compiled `*_test.js`) with the long ones first, then by name. */
export function longFirst(files: string[]): string[] {
  const rank = (f: string) => {
    const at = LONG_FIRST.indexOf(basename(f).replace(/\.[jt]s$/, ""));
    return at < 0 ? LONG_FIRST.length : at;
  };
  return [...files].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}
