/**
 * The `eval` task type: JavaScript run in dagrun's own process, as the body of an async function.
 *
 * @module
 */
import type { Task } from "../task.ts";
import { importFrom } from "./snippet_imports.ts";
import { type Body, compile, type Importer } from "./snippet_compile.ts";
import { taskConsole } from "./snippet_console.ts";
import { snippetFailure } from "./snippet_errors.ts";
import { type Executor, type ExecutorContext, INTERRUPTED, type Outcome } from "./types.ts";
import { intrinsics } from "../intrinsics.ts";

const { Promise, queueMicrotask } = intrinsics;

/** One importer per folder: a run has one, and a task costs no closure for it. */
const importers = new Map<string, Importer>();

function importerFor(baseDir = "."): Importer {
  let importer = importers.get(baseDir);
  if (!importer) importers.set(baseDir, importer = importFrom(baseDir));
  return importer;
}

/** Snippets to run at the next microtask, with the output flushes to make first. */
let pending: { ctx: ExecutorContext; run: () => void }[] = [];

/**
 * Runs `run` at the next microtask, after writing out the output reported so far. A snippet may
 * never yield (`while (true) {}`), so its `Started:` line must be out before it runs; one write
 * for all the snippets started in the same pass costs what a write each (6.5 µs a task, measured
 * at 100k tasks) would not.
 */
function runSoon(ctx: ExecutorContext, run: () => void): void {
  if (!ctx.flushOutput) return run();
  if (pending.length === 0) queueMicrotask(runPending);
  pending.push({ ctx, run });
}

function runPending(): void {
  const batch = pending;
  pending = [];
  const flushed = new Set<unknown>();
  for (const { ctx } of batch) {
    if (flushed.has(ctx.flushOutput)) continue;
    flushed.add(ctx.flushOutput);
    ctx.flushOutput!();
  }
  for (const { ctx, run } of batch) if (!ctx.signal.aborted) run();
}

const OK: Outcome = Object.freeze({ ok: true });

/**
 * Runs `task.arguments` as the body of an async function with `console` (attributed to the task)
 * and `signal` (aborted when the run is cancelled) in scope; globals are shared with dagrun, as
 * the assignment's in-process `exec` shares them. A thrown error, a rejection or a syntax error
 * fails the task and its stack is printed on the task's stderr. When the run is cancelled the task
 * fails at once as `interrupted`, whether or not the snippet heeds `signal`.
 *
 * @example
 * ```ts
 * import { run } from "../../mod.ts";
 * const report = await run([{ name: "sum", type: "eval", arguments: "console.log(1 + 1)" }]);
 * console.log(report.tasks[0].status); // ok
 * ```
 */
export const evalExecutor: Executor = (task: Task, ctx: ExecutorContext): Promise<Outcome> => {
  const fail = (e: unknown) => snippetFailure(e, task, ctx.output);
  let body: Body;
  try {
    body = compile(task);
  } catch (e) {
    return Promise.resolve(fail(e));
  }
  const signal = ctx.signal;
  if (signal.aborted) return Promise.resolve(INTERRUPTED);
  // One promise, settled by whichever comes first: the body, or the task being stopped.
  return new Promise((resolve) => {
    const off = ctx.onStop(() => resolve(INTERRUPTED));
    runSoon(ctx, () =>
      body(taskConsole(ctx.output), signal, importerFor(ctx.baseDir)).then(
        () => {
          off();
          resolve(OK);
        },
        (e) => {
          off();
          try {
            resolve(signal.aborted ? INTERRUPTED : fail(e));
          } catch {
            resolve({ ok: false, error: "the snippet threw a value that cannot be described" });
          }
        },
      ));
  });
};
