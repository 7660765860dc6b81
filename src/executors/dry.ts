/**
 * The executor of a dry run: it runs nothing and succeeds, so the scheduler walks the graph in
 * the order a real run would start tasks if every task took the same time.
 *
 * @module
 */
import type { Executor } from "./types.ts";
import { intrinsics } from "../intrinsics.ts";

const { Promise } = intrinsics;

/**
 * Succeeds at once without running the task.
 *
 * @example
 * ```ts
 * import { run } from "../scheduler.ts";
 * import { dryExecutor } from "./dry.ts";
 * const order: string[] = [];
 * await run([{ name: "a", type: "exec", arguments: "rm -rf /tmp/x" }], {
 *   executors: { exec: dryExecutor, eval: dryExecutor },
 *   onEvent: (e) => e.type === "started" && order.push(e.task.name),
 * });
 * console.log(order); // ["a"], and nothing was removed
 * ```
 */
export const dryExecutor: Executor = () => Promise.resolve({ ok: true });
