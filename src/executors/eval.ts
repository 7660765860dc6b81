/**
 * The `eval` task type: JavaScript run in dagrun's own process, as the body of an async function.
 *
 * @module
 */
import { formatWithOptions } from "node:util";
import type { Task } from "../task.ts";
import type { Executor, ExecutorContext, Outcome } from "./types.ts";

const AsyncFunction = (async () => {}).constructor as new (...args: string[]) => (
  ...args: unknown[]
) => Promise<unknown>;

/** Marks snippet code in stack traces, so a late error can be traced back to its task. */
export const SOURCE_PREFIX = "dagrun-task:";

/**
 * The `console` a snippet sees: the usual methods, writing to the task's output so that each line
 * is attributed to the task.
 *
 * @example
 * ```ts
 * import { taskConsole } from "./eval.ts";
 * const c = taskConsole((stream, data) => console.log(stream, new TextDecoder().decode(data)));
 * c.log("answer: %d", 42); // stdout answer: 42
 * ```
 */
export function taskConsole(output: ExecutorContext["output"]): Console {
  const encoder = new TextEncoder();
  const to = (stream: "stdout" | "stderr") => (...args: unknown[]) =>
    output(stream, encoder.encode(formatWithOptions({ colors: false }, ...args) + "\n"));
  const out = to("stdout");
  const err = to("stderr");
  return {
    ...console,
    log: out,
    info: out,
    debug: out,
    dir: (value: unknown) => out(value),
    table: out,
    error: err,
    warn: err,
    trace: (...args: unknown[]) => err(`Trace: ${formatWithOptions({}, ...args)}\n${stackHere()}`),
    assert: (condition: unknown, ...args: unknown[]) => {
      if (!condition) err("Assertion failed" + (args.length ? ": " + formatWithOptions({}, ...args) : ""));
    },
  } as Console;
}

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
export const evalExecutor: Executor = async (task: Task, ctx: ExecutorContext): Promise<Outcome> => {
  const fail = (e: unknown): Outcome => {
    ctx.output("stderr", new TextEncoder().encode(describeError(e) + "\n"));
    return { ok: false, error: firstLine(e) };
  };
  let body: (...args: unknown[]) => Promise<unknown>;
  try {
    body = new AsyncFunction(
      "console",
      "signal",
      `${task.arguments}\n//# sourceURL=${SOURCE_PREFIX}${encodeName(task.name)}`,
    );
  } catch (e) {
    return fail(e);
  }
  let onAbort = () => {};
  const interrupted = new Promise<Outcome>((resolve) => {
    onAbort = () => resolve({ ok: false, error: "interrupted" });
    if (ctx.signal.aborted) onAbort();
    else ctx.signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([
      body(taskConsole(ctx.output), ctx.signal).then(() => ({ ok: true })),
      interrupted,
    ]);
  } catch (e) {
    return ctx.signal.aborted ? { ok: false, error: "interrupted" } : fail(e);
  } finally {
    ctx.signal.removeEventListener("abort", onAbort);
  }
};

/**
 * The name of the task whose snippet threw `error`, read from its stack, if any.
 *
 * @example
 * ```ts
 * import { taskOfError } from "./eval.ts";
 * taskOfError(new Error("x")); // undefined: not thrown by a snippet
 * ```
 */
export function taskOfError(error: unknown): string | undefined {
  const stack = error instanceof Error ? error.stack ?? "" : "";
  const match = stack.match(new RegExp(`${SOURCE_PREFIX}([\\w%-]*)`));
  return match ? decodeURIComponent(match[1]) : undefined;
}

/** Percent-encodes all but letters, digits, `_` and `-`, so a name never runs into the stack's punctuation. */
function encodeName(name: string): string {
  return encodeURIComponent(name).replace(
    /[^\w%-]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/**
 * The error's message and the stack frames of the snippet, without dagrun's own frames.
 *
 * @example
 * ```ts
 * import { describeError } from "./eval.ts";
 * console.log(describeError("plain value")); // Uncaught "plain value"
 * ```
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return `Uncaught ${formatWithOptions({ colors: false }, "%o", error)}`;
  const lines = (error.stack ?? `${error.name}: ${error.message}`).split("\n");
  const lastSnippetFrame = lines.findLastIndex((l) => l.includes(SOURCE_PREFIX));
  return (lastSnippetFrame > 0 ? lines.slice(0, lastSnippetFrame + 1) : lines.slice(0, 1))
    .map((line) =>
      line.replace(
        SNIPPET_PLACE,
        (_, name, at, column) => `task ${decodeURIComponent(name)}:${at - HEADER_LINES}:${column}`,
      )
    )
    .join("\n");
}

/** The lines `new AsyncFunction` puts before the body: a stack's line 3 is the snippet's line 1. */
const HEADER_LINES = 2;
/** A snippet's place in a stack frame: `dagrun-task:NAME:L:C` on Node, `dagrun-task:NAME, <anonymous>:L:C` on Deno. */
const SNIPPET_PLACE = new RegExp(`${SOURCE_PREFIX}([\\w%-]*)(?:, <anonymous>)?:(\\d+):(\\d+)`, "g");

function firstLine(error: unknown): string {
  return (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).split("\n")[0];
}

function stackHere(): string {
  return (new Error().stack ?? "").split("\n").slice(3).join("\n");
}
