/**
 * The `console` an eval task's snippet sees: each line it prints is the task's output.
 *
 * @module
 */
import { Console as NodeConsole } from "node:console";
import { Writable } from "node:stream";
import { formatWithOptions } from "node:util";
import type { ExecutorContext } from "./types.ts";
import { intrinsics } from "../intrinsics.ts";

const { TextEncoder } = intrinsics;

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
 * import { taskConsole } from "./snippet_console.ts";
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
