/**
 * The `eval` task type: JavaScript run in dagrun's own process, as the body of an async function.
 *
 * @module
 */
import type { Task } from "../task.ts";
import { importFrom } from "./snippet_imports.ts";
import { type Body, compile, type Importer } from "./snippet_compile.ts";
import { snippetFailure } from "./snippet_errors.ts";
import { guardExits } from "./exit_guard.ts";
import { catchStrayErrors } from "./stray_errors.ts";
import {
  type Executor,
  type ExecutorContext,
  INTERRUPTED,
  type Outcome,
  type RunExecutor,
  type RunScope,
} from "./types.ts";
import { intrinsics } from "../intrinsics.ts";

const { Promise, queueMicrotask } = intrinsics;

const OK: Outcome = Object.freeze({ ok: true });

/**
 * The module of the `console` a snippet sees, once loaded. Its `node:console` and `node:stream`
 * cost about a tenth of a one-task start on Deno (measured), so a run without eval tasks does not
 * load them: the executor's `prepare` does, before a run with eval tasks starts.
 */
let consoles: typeof import("./snippet_console.ts") | undefined;
let loadingConsoles: Promise<void> | undefined;
const loadConsoles = () =>
  loadingConsoles ??= import("./snippet_console.ts").then((m) => {
    consoles = m;
  });

/**
 * One user's state of inline snippets: an importer per folder (a task costs no closure for it)
 * and the snippets waiting for the next microtask. Each run has its own ({@linkcode Executor.forRun}).
 */
class InlineSnippets {
  readonly #importers = new Map<string, Importer>();
  /** Snippets to run at the next microtask, with the output flushes to make first. */
  #pending: { ctx: ExecutorContext; run: () => void }[] = [];
  readonly #runPending = () => this.#flushAndRun();

  readonly execute = (task: Task, ctx: ExecutorContext): Promise<Outcome> => {
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
      this.#runSoon(ctx, () =>
        this.#start(body, ctx).then(
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

  /** Calls the snippet's body; a console that cannot be made fails the task like a throw. */
  #start(body: Body, ctx: ExecutorContext): Promise<unknown> {
    try {
      return body(consoles!.taskConsole(ctx.output), ctx.signal, this.#importerFor(ctx.baseDir));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  #importerFor(baseDir = "."): Importer {
    let importer = this.#importers.get(baseDir);
    if (!importer) this.#importers.set(baseDir, importer = importFrom(baseDir));
    return importer;
  }

  /**
   * Runs `run` at the next microtask, after writing out the output reported so far. A snippet may
   * never yield (`while (true) {}`), so its `Started:` line must be out before it runs; one write
   * for all the snippets started in the same pass costs what a write each (6.5 µs a task, measured
   * at 100k tasks) would not.
   */
  #runSoon(ctx: ExecutorContext, run: () => void): void {
    // Only a call that no run prepared (a library user's own) gets here before the console is in.
    if (!consoles) return void loadConsoles().then(() => this.#runSoon(ctx, run), run);
    if (!ctx.flushOutput) return run();
    if (this.#pending.length === 0) queueMicrotask(this.#runPending);
    this.#pending.push({ ctx, run });
  }

  #flushAndRun(): void {
    const batch = this.#pending;
    this.#pending = [];
    const flushed = new Set<unknown>();
    for (const { ctx } of batch) {
      if (flushed.has(ctx.flushOutput)) continue;
      flushed.add(ctx.flushOutput);
      ctx.flushOutput!();
    }
    for (const { ctx, run } of batch) if (!ctx.signal.aborted) run();
  }
}

/**
 * Runs `task.arguments` as the body of an async function with `console` (attributed to the task)
 * and `signal` (aborted when the run is cancelled) in scope; globals are shared with dagrun and
 * the other inline snippets (`workerEvalExecutor` keeps them apart). A thrown error, a rejection
 * or a syntax error fails the task and its stack is printed on the task's stderr. When the run is
 * cancelled the task fails at once as `interrupted`, whether or not the snippet heeds `signal`.
 *
 * Each run gets snippet state of its own, and while it goes on, a snippet's `process.exit` fails
 * its task instead of ending dagrun ({@linkcode guardExits}) and an error a snippet throws after
 * its task ended is shown on that task's stderr instead of crashing dagrun
 * ({@linkcode catchStrayErrors}).
 *
 * @example
 * ```ts
 * import { run } from "../../mod.ts";
 * const report = await run([{ name: "sum", type: "eval", arguments: "console.log(1 + 1)" }]);
 * console.log(report.tasks[0].status); // ok
 * ```
 */
export const evalExecutor: Executor = Object.assign(new InlineSnippets().execute, {
  prepare: loadConsoles,
  forRun(scope: RunScope): RunExecutor {
    const unguard = guardExits();
    const release = catchStrayErrors(scope);
    return {
      execute: new InlineSnippets().execute,
      close() {
        release();
        unguard();
      },
    };
  },
});
