/**
 * What an eval task's snippet threw, in words: its message and its own stack frames (line numbers
 * of the snippet, frames named for the task), the task's outcome, and `SnippetExit`.
 *
 * @module
 */
import { formatWithOptions } from "node:util";
import type { Task } from "../task.ts";
import { isSharedCode, SOURCE_PREFIX } from "./snippet_compile.ts";
import type { ExecutorContext, Outcome } from "./types.ts";
import { intrinsics } from "../intrinsics.ts";

const { TextEncoder } = intrinsics;

const encoder = new TextEncoder();

/**
 * The outcome of a snippet that threw `error`: its stack goes to the task's stderr, its first
 * line becomes the task's error.
 *
 * @example
 * ```ts
 * import { snippetFailure } from "./snippet_errors.ts";
 * const task = { name: "a", type: "eval", arguments: "" };
 * snippetFailure(new Error("boom"), task, () => {}); // { ok: false, error: "Error: boom" }
 * ```
 */
export function snippetFailure(error: unknown, task: Task, output: ExecutorContext["output"]): Outcome {
  if (isSnippetExit(error)) {
    if (error.code) output("stderr", encoder.encode(error.message + "\n"));
    return { ok: error.code === 0, exitCode: error.code, ...(error.code ? { error: error.message } : {}) };
  }
  output("stderr", encoder.encode(describeError(error, task.name) + "\n"));
  return { ok: false, error: firstLine(error) };
}

/**
 * The name of the task whose snippet threw `error`, read from its stack, if any.
 *
 * @example
 * ```ts
 * import { taskOfError } from "./snippet_errors.ts";
 * taskOfError(new Error("x")); // undefined: not thrown by a snippet
 * ```
 */
export function taskOfError(error: unknown): string | undefined {
  let stack = "";
  try {
    stack = error instanceof Error ? String(error.stack ?? "") : "";
  } catch {
    // a Proxy or a getter that throws: no stack to read
  }
  const match = stack.match(new RegExp(`${SOURCE_PREFIX}([\\w%-]*)`));
  const name = match ? decodeURIComponent(match[1]) : undefined;
  return name === undefined || isSharedCode(name) ? undefined : name;
}

/**
 * The error's message and the stack frames of the snippet, without dagrun's own frames.
 *
 * @param task The task that was running, if known: it names frames of code it shares with others.
 * @example
 * ```ts
 * import { describeError } from "./snippet_errors.ts";
 * console.log(describeError("plain value")); // Uncaught "plain value"
 * ```
 */
export function describeError(error: unknown, task?: string): string {
  // A thrown value may be anything: a Proxy whose traps throw, an object whose toString throws.
  // Describing it must not throw, or the task would never end.
  try {
    return describeErrorOrThrow(error, task);
  } catch {
    return `Uncaught ${describeValue(error)}`;
  }
}

function describeErrorOrThrow(error: unknown, task?: string): string {
  if (!(error instanceof Error)) return `Uncaught ${describeValue(error)}`;
  const lines = String(error.stack ?? `${error.name}: ${error.message}`).split("\n");
  const lastSnippetFrame = lines.findLastIndex((l) => l.includes(SOURCE_PREFIX));
  return (lastSnippetFrame > 0 ? lines.slice(0, lastSnippetFrame + 1) : lines.slice(0, 1))
    .map((line) =>
      line.replace(
        SNIPPET_PLACE,
        (_, encoded, at, column) =>
          `task ${frameName(decodeURIComponent(encoded), task)}:${at - HEADER_LINES}:${column}`,
      )
    )
    .join("\n");
}

/** The lines `new AsyncFunction` puts before the body: a stack's line 3 is the snippet's line 1. */
const HEADER_LINES = 2;
/** A snippet's place in a stack frame: `dagrun-task:NAME:L:C` on Node, `dagrun-task:NAME, <anonymous>:L:C` on Deno. */
const SNIPPET_PLACE = new RegExp(`${SOURCE_PREFIX}([\\w%-]*)(?:, <anonymous>)?:(\\d+):(\\d+)`, "g");

/** Who a frame of `owner`'s code belongs to, when other tasks share that code. */
function frameName(owner: string, task: string | undefined): string {
  if (!isSharedCode(owner)) return owner;
  return task ?? `${owner} (or another task with the same code)`;
}

function firstLine(error: unknown): string {
  let line: string;
  try {
    line = error instanceof Error
      ? `${error.name}: ${error.message}`
      : typeof error === "string"
      ? error
      : describeValue(error);
  } catch {
    line = describeValue(error);
  }
  return line.split("\n")[0];
}

/**
 * Any value in words, without ever throwing: as `console.log` shows it where it can, else by its
 * kind (`a Proxy`, `[object Object]`, `an object`).
 *
 * @example
 * ```ts
 * import { describeValue } from "./snippet_errors.ts";
 * describeValue(Object.create(null)); // "[Object: null prototype] {}"
 * describeValue({ toString() { throw 1; } }); // "{ toString: [Function: toString] }"
 * describeValue(Symbol("s")); // "Symbol(s)"
 * ```
 */
export function describeValue(value: unknown): string {
  try {
    return formatWithOptions({ colors: false }, "%O", value);
  } catch {
    // inspect ran a trap or getter that threw: fall back to what needs no help from the value.
  }
  try {
    return formatWithOptions(
      { colors: false, showProxy: true, customInspect: false, getters: false },
      "%O",
      value,
    );
  } catch {
    return `a value of type ${typeof value}`;
  }
}

/** `instanceof`, which runs a Proxy's `getPrototypeOf` trap, without letting that trap throw. */
function isSnippetExit(value: unknown): value is SnippetExit {
  try {
    return value instanceof SnippetExit;
  } catch {
    return false;
  }
}

/**
 * Thrown in a snippet in place of ending the process, when it calls `process.exit` or
 * `Deno.exit`: it stops the snippet, and its task ends with that exit code.
 *
 * @example
 * ```ts
 * import { SnippetExit } from "./snippet_errors.ts";
 * new SnippetExit(3, "process.exit").message; // "the snippet called process.exit(3)"
 * ```
 */
export class SnippetExit extends Error {
  /** The exit code the snippet asked for. */
  readonly code: number;

  /** `via` names the function the snippet called. */
  constructor(code: number, via: string) {
    super(`the snippet called ${via}(${code})`);
    this.name = "SnippetExit";
    this.code = code;
  }
}
