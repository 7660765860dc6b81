/**
 * The inside of an eval worker (see `eval_worker.ts`): compiles and runs one snippet in this
 * thread, posts its console output as it comes and its outcome at the end.
 *
 * @module
 */
import process from "node:process";
import { parentPort, workerData } from "node:worker_threads";
import type { Task } from "../task.ts";
import { compile, snippetFailure, taskConsole } from "./eval.ts";
import type { ThreadMessage } from "./eval_worker.ts";
import { guardExits } from "./exit_guard.ts";

const port = parentPort!;
const post = (message: ThreadMessage) => port.postMessage(message);
const output = (stream: "stdout" | "stderr", data: Uint8Array) => post({ type: "output", stream, data });

// The snippet's signal. The parent terminates this thread on cancellation, so it never aborts;
// it is there so that snippets written for inline runs work unchanged.
const signal = new AbortController().signal;

// An error the snippet did not await (a throwing timer, a stray rejection) fails the task with its
// stack, caught here: escaping the thread, it would lose its stack and, on Deno, end dagrun too.
const task = workerData as Task;
const fail = (e: unknown) => post({ type: "done", outcome: snippetFailure(e, task, output) });
process.on("uncaughtException", fail);
process.on("unhandledRejection", fail);
// The thread runs nothing but the snippet: an exit from anywhere in it is the snippet's.
guardExits({ always: true });

try {
  await compile(task)(taskConsole(output), signal);
  post({ type: "done", outcome: { ok: true } });
} catch (e) {
  fail(e);
}
