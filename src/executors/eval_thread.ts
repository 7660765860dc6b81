/**
 * The inside of an eval worker (see `eval_worker.ts`): compiles and runs one snippet in this
 * thread, posts its console output as it comes and its outcome at the end.
 *
 * @module
 */
import process from "node:process";
import { parentPort, workerData } from "node:worker_threads";
import type { Task } from "../task.ts";
import { compile } from "./snippet_compile.ts";
import { taskConsole } from "./snippet_console.ts";
import { describeError, snippetFailure } from "./snippet_errors.ts";
import { importFrom } from "./snippet_imports.ts";
import type { ThreadMessage } from "./eval_worker.ts";
import type { Outcome } from "./types.ts";
import { intrinsics } from "../intrinsics.ts";

const { TextEncoder } = intrinsics;
import { guardExits } from "./exit_guard.ts";

const port = parentPort!;
const post = (message: ThreadMessage) => port.postMessage(message);
const output = (stream: "stdout" | "stderr", data: Uint8Array) => post({ type: "output", stream, data });

// The snippet's signal. The parent terminates this thread on cancellation, so it never aborts;
// it is there so that snippets written for inline runs work unchanged.
const signal = new AbortController().signal;

// An error the snippet did not await (a throwing timer, a stray rejection) fails the task with its
// stack, caught here: escaping the thread, it would lose its stack and, on Deno, end dagrun too.
// Once the task has ended, the thread lives on while the snippet's timers do (until the run
// ends), and what they throw is printed for the task, as inline.
const task = workerData as Task & { baseDir: string };
let ended = false;
const end = (outcome: Outcome) => {
  ended = true;
  post({ type: "done", outcome });
};
const fail = (e: unknown) => {
  if (!ended) return end(snippetFailure(e, task, output));
  const text = `uncaught error (after the task's body returned): ${describeError(e, task.name)}\n`;
  output("stderr", new TextEncoder().encode(text));
};
process.on("uncaughtException", fail);
process.on("unhandledRejection", fail);
// The thread runs nothing but the snippet: an exit from anywhere in it is the snippet's.
guardExits({ always: true });

try {
  await compile(task)(taskConsole(output), signal, importFrom(task.baseDir));
  end({ ok: true });
} catch (e) {
  fail(e);
}
