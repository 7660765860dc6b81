/**
 * Errors a snippet throws after its task's body returned (a timer's, a promise nobody awaited):
 * inline snippets share dagrun's process, and such an error must not end dagrun. While a run
 * with inline eval tasks goes on, they are caught and shown on the stderr of the task whose code
 * threw them, or as the run's `error` event when no task can be named.
 *
 * @module
 */
import process from "node:process";
import { describeError, taskOfError } from "./snippet_errors.ts";
import type { RunScope } from "./types.ts";
import { intrinsics } from "../intrinsics.ts";

const { TextEncoder } = intrinsics;

/**
 * Catches the process's uncaught exceptions and unhandled rejections for the run that `scope`
 * tells, until the returned function is called.
 *
 * @example
 * ```ts
 * import { catchStrayErrors } from "./stray_errors.ts";
 * const release = catchStrayErrors({ output: () => false, error: (message) => console.error(message) });
 * setTimeout(() => Promise.reject(new Error("late")), 0);
 * await new Promise((resolve) => setTimeout(resolve, 10)); // uncaught error: Error: late
 * release();
 * ```
 */
export function catchStrayErrors(scope: RunScope): () => void {
  const stray = (error: unknown) => {
    const name = taskOfError(error);
    const described = describeError(error);
    const text = `uncaught error (after the task's body returned): ${described}\n`;
    if (name === undefined || !scope.output(name, "stderr", new TextEncoder().encode(text))) {
      scope.error(`uncaught error: ${described}`);
    }
  };
  process.on("uncaughtException", stray);
  process.on("unhandledRejection", stray);
  return () => {
    process.off("uncaughtException", stray);
    process.off("unhandledRejection", stray);
  };
}
