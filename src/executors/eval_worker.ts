/**
 * The `eval` task type with `--eval-isolation worker`: each snippet runs in a worker thread of
 * its own (`node:worker_threads`, the same code on Deno and Node). CPU-bound snippets run in
 * parallel, a timeout or Ctrl-C terminates even `while (true) {}`, console output is still
 * attributed to the task, and a failure carries the snippet's stack. Globals are the thread's
 * own: snippets cannot share state through them, as they can inline.
 *
 * @module
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { Task } from "../task.ts";
import { snippetFailure } from "./snippet_errors.ts";
import { type Executor, type ExecutorContext, INTERRUPTED, type Outcome } from "./types.ts";
import { intrinsics } from "../intrinsics.ts";

const { Promise } = intrinsics;

/** What the thread tells the executor: output as it comes, then the outcome once. */
export type ThreadMessage =
  | { type: "output"; stream: "stdout" | "stderr"; data: Uint8Array }
  | { type: "done"; outcome: Outcome };

/** The thread's module beside this one: `.ts` when run from source, `.js` in the npm build. */
const threadModule = new URL(
  `./eval_thread${import.meta.url.slice(import.meta.url.lastIndexOf("."))}`,
  import.meta.url,
);

/**
 * What the thread starts from. `node:worker_threads` loads only `file:` and `data:` URLs, so when
 * dagrun itself runs from a web server (`deno run https://…/cli.ts`) the thread starts from a
 * `data:` module that imports the thread's module; Deno loads that from the same origin as the rest.
 */
const threadUrl = threadModule.protocol === "file:"
  ? threadModule
  : new URL(`data:text/javascript,import ${encodeURIComponent(JSON.stringify(threadModule.href))};`);

/**
 * Most threads at once. A thread costs 2.5–7 MB and tens of ms to start (measured: 200 at once
 * took 0.5 GB on Deno, 1.4 GB on Node), so a file of thousands of eval tasks must not start them
 * all. Four per core (at least 32) keeps the cores busy with CPU-bound snippets and lets snippets
 * that mostly wait overlap (200 snippets waiting 1 s: 26 s with at most 8 threads). Tasks beyond
 * it wait their turn (their timeout runs meanwhile).
 */
export const MAX_THREADS: number = Math.max(32, 4 * availableParallelism());

let threads = 0;
const waiting: (() => void)[] = [];

/**
 * Runs `task.arguments` in a worker thread of its own (at most {@linkcode MAX_THREADS} at once);
 * the task ends when the snippet's promise settles, and the thread is terminated then, with
 * whatever timers it left. Cancellation (Ctrl-C, timeout) terminates the thread at once.
 *
 * @example
 * ```ts
 * import { run } from "../../mod.ts";
 * import { workerEvalExecutor } from "./eval_worker.ts";
 * const report = await run([{ name: "spin", type: "eval", arguments: "while (true) {}", timeout: 1 }], {
 *   executors: { eval: workerEvalExecutor },
 * });
 * console.log(report.tasks[0].error); // timed out after 1 s
 * ```
 */
export const workerEvalExecutor: Executor = async (task: Task, ctx: ExecutorContext): Promise<Outcome> => {
  if (!await threadSlot(ctx)) return INTERRUPTED;
  try {
    return await inThread(task, ctx);
  } finally {
    threads--;
    waiting.shift()?.();
  }
};

/** Waits for a free thread and takes it: `true`, or `false` when the task is stopped first. */
function threadSlot(ctx: ExecutorContext): Promise<boolean> {
  if (ctx.signal.aborted) return Promise.resolve(false);
  if (threads < MAX_THREADS) return threads++, Promise.resolve(true);
  return new Promise((resolve) => {
    const go = () => {
      off();
      threads++;
      resolve(true);
    };
    const off = ctx.onStop(() => {
      waiting.splice(waiting.indexOf(go), 1);
      resolve(false);
    });
    waiting.push(go);
  });
}

function inThread(task: Task, ctx: ExecutorContext): Promise<Outcome> {
  return new Promise((resolve) => {
    const worker = new Worker(threadUrl, {
      workerData: { name: task.name, arguments: task.arguments, baseDir: ctx.baseDir ?? "." },
    });
    let done = false;
    const finish = (outcome: Outcome, keep = false) => {
      if (done) return;
      done = true;
      off();
      // A snippet's timers may still run after its body settled: the thread lives on (its output
      // and late errors still attributed to the task) until they are done or the run ends.
      if (keep) ctx.defer(() => worker.terminate().then(() => {}));
      else void worker.terminate();
      resolve(outcome);
    };
    const off = ctx.onStop(() => finish(INTERRUPTED));
    worker.on("message", (m: ThreadMessage) => {
      if (m.type === "output") ctx.output(m.stream, m.data);
      else finish(m.outcome, true);
    });
    // The thread catches the snippet's errors; this is for the thread's own, such as running out of memory.
    worker.on("error", (e) => finish(snippetFailure(e, task, ctx.output)));
    worker.on("exit", (code) => finish({ ok: false, error: `the worker thread exited with code ${code}` }));
  });
}
