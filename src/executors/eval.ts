/**
 * The `eval` task type: JavaScript run in dagrun's own process, as the body of an async function.
 *
 * @module
 */
import { Console as NodeConsole } from "node:console";
import { Writable } from "node:stream";
import { formatWithOptions } from "node:util";
import type { Task } from "../task.ts";
import { IMPORT_NAME, importFrom, renameImports } from "./snippet_imports.ts";
import { type Executor, type ExecutorContext, INTERRUPTED, type Outcome } from "./types.ts";
import { intrinsics } from "../intrinsics.ts";

const { Promise, TextEncoder, queueMicrotask } = intrinsics;

const AsyncFunction = (async () => {}).constructor as new (...args: string[]) => (
  ...args: unknown[]
) => Promise<unknown>;

/** Marks snippet code in stack traces, so a late error can be traced back to its task. */
export const SOURCE_PREFIX = "dagrun-task:";

/** A compiled snippet: call it with the task's console and signal. */
export type Body = (console: Console, signal: AbortSignal, importer: Importer) => Promise<unknown>;

/** What a snippet's `import(…)` calls: see `snippet_imports.ts`. */
export type Importer = (specifier: unknown, options?: ImportCallOptions) => Promise<unknown>;

const encoder = new TextEncoder();
/** The key of a task console's full `Console`: a symbol, out of a snippet's way. */
const FULL = Symbol("full console");
const format = (args: unknown[]) => formatWithOptions({ colors: false }, ...args);

/**
 * The `console` a snippet sees: every method writes to the task's output, so that each line is
 * attributed to the task. `log`, `info`, `debug`, `warn` and `error` are made when first read
 * (they work detached, as `const { log } = console`), so a task that prints a line pays for one
 * small object; the first call of any other method (`count`, `time`, `group`, `table`, `dir`…)
 * makes a full `Console` writing to the task's output, and from then on every method goes
 * through it, so that `group` indents `log` too.
 *
 * @example
 * ```ts
 * import { taskConsole } from "./eval.ts";
 * const c = taskConsole((stream, data) => console.log(stream, new TextDecoder().decode(data)));
 * c.log("answer: %d", 42); // stdout answer: 42
 * c.count(); // stdout default: 1
 * ```
 */
export function taskConsole(output: ExecutorContext["output"]): Console {
  return new TaskConsole(output) as unknown as Console;
}

/** A `Writable` that passes what is written on to a task's output. */
function sink(output: ExecutorContext["output"], stream: "stdout" | "stderr"): Writable {
  return new Writable({
    write(chunk: Uint8Array | string, _encoding, done) {
      output(stream, typeof chunk === "string" ? encoder.encode(chunk) : chunk);
      done();
    },
  });
}

class TaskConsole {
  readonly #output: ExecutorContext["output"];
  #full?: Console;
  constructor(output: ExecutorContext["output"]) {
    this.#output = output;
  }
  /** The full console, made on first need. */
  get [FULL](): Console {
    return this.#full ??= new NodeConsole({
      stdout: sink(this.#output, "stdout"),
      stderr: sink(this.#output, "stderr"),
      colorMode: false,
    }) as unknown as Console;
  }
  #to(stream: "stdout" | "stderr", method: "log" | "info" | "debug" | "warn" | "error") {
    if (this.#full) return this.#full[method];
    const output = this.#output;
    return (...args: unknown[]) => output(stream, encoder.encode(format(args) + "\n"));
  }
  get log() {
    return this.#to("stdout", "log");
  }
  get info() {
    return this.#to("stdout", "info");
  }
  get debug() {
    return this.#to("stdout", "debug");
  }
  get error() {
    return this.#to("stderr", "error");
  }
  get warn() {
    return this.#to("stderr", "warn");
  }
}
Object.setPrototypeOf(TaskConsole.prototype, console);
// Every other method of a console comes from the full one, bound, so that it works detached.
for (const name of Object.keys(new NodeConsole({ stdout: new Writable(), colorMode: false }))) {
  if (Object.hasOwn(TaskConsole.prototype, name) || name.startsWith("_")) continue;
  Object.defineProperty(TaskConsole.prototype, name, {
    get(this: TaskConsole) {
      const full = this[FULL] as unknown as Record<string, unknown>;
      const value = full[name];
      return typeof value === "function" ? value.bind(full) : value;
    },
  });
}

/**
 * Compiled snippets by their code. A compile costs about 8 µs (measured: 100 000 distinct
 * snippets), more than the rest of a small task, and generated task files repeat code. The first
 * task to compile a code names it in stack traces; bounded, so distinct snippets cannot pile up.
 */
const compiled = new Map<string, { body: Body; owner: string }>();
const MAX_COMPILED = 1024;
/** Tasks whose compiled code other tasks reuse: a frame naming them may come from any of those. */
const sharedOwners = new Set<string>();

/**
 * Compiles `task.arguments` as the body of an async function of `console`, `signal` and the
 * importer its `import(…)` calls are renamed to, marked so that its stack frames name the task.
 *
 * @throws {SyntaxError} when the snippet does not parse.
 * @example
 * ```ts
 * import { compile, taskConsole } from "./eval.ts";
 * import { importFrom } from "./snippet_imports.ts";
 * const body = compile({ name: "a", type: "eval", arguments: "console.log(1)" });
 * await body(taskConsole(() => {}), new AbortController().signal, importFrom("."));
 * ```
 */
export function compile(task: Task): Body {
  const hit = compiled.get(task.arguments);
  if (hit) {
    if (hit.owner !== task.name) sharedOwners.add(hit.owner);
    return hit.body;
  }
  const body = new AsyncFunction(
    "console",
    "signal",
    IMPORT_NAME,
    `${renameImports(task.arguments)}\n//# sourceURL=${SOURCE_PREFIX}${encodeName(task.name)}`,
  ) as Body;
  if (compiled.size >= MAX_COMPILED) compiled.clear();
  compiled.set(task.arguments, { body, owner: task.name });
  return body;
}

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

/**
 * The outcome of a snippet that threw `error`: its stack goes to the task's stderr, its first
 * line becomes the task's error.
 *
 * @example
 * ```ts
 * import { snippetFailure } from "./eval.ts";
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
 * import { taskOfError } from "./eval.ts";
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
  return name === undefined || sharedOwners.has(name) ? undefined : name;
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
 * @param task The task that was running, if known: it names frames of code it shares with others.
 * @example
 * ```ts
 * import { describeError } from "./eval.ts";
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
  if (!sharedOwners.has(owner)) return owner;
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
 * import { describeValue } from "./eval.ts";
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
 * import { SnippetExit } from "./eval.ts";
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
