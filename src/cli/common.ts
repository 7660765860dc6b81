/**
 * What every subcommand shares: the exit codes, what it writes to ({@linkcode CliIO}; the process's
 * own streams are in `process_io.ts`), and argument parsing with usage errors. The commands that
 * read a task file share more (`task_file_args.ts`).
 *
 * @module
 */
import type { Write } from "../report/format.ts";

export { EXIT } from "./exit.ts";

/**
 * What the command line writes to and knows about its terminal; tests may pass their own.
 *
 * @example
 * ```ts
 * import type { CliIO } from "./common.ts";
 * let out = "";
 * const io: CliIO = { write: (_stream, data) => void (out += data) };
 * ```
 */
export interface CliIO {
  /** Writes to stdout or stderr; each call's text reaches the stream whole, in order. */
  write: Write;
  /** Whether each stream is a terminal. Default: neither. */
  isTTY?: { stdout: boolean; stderr: boolean };
  /** Width of the terminal in columns, when known. */
  columns?: () => number | undefined;
  /** Environment variables (`NO_COLOR`, `FORCE_COLOR`, `TERM`). Default: none set. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Writes out whatever `write` still holds; `main` calls it before it returns. */
  flush?: () => void;
  /** Writes out whatever `write` holds and settles once the streams have taken all of it. */
  drain?: () => Promise<void>;
  /**
   * Aborted when stdout takes no more: its reader (such as `head -1`) closed the pipe, its terminal
   * went away, or a write failed (then `writeError` says how). Default: never.
   */
  closed?: AbortSignal;
  /** The error a write to stdout or stderr failed with, other than a closed reader or terminal. */
  writeError?: () => Error | undefined;
  /**
   * `undefined` while written output is being taken, else a promise that settles once the streams
   * have caught up: task output then waits (back-pressure). Default: always taken.
   */
  ready?: () => Promise<void> | undefined;
}

/** Thrown for a command line that cannot be obeyed; `main` prints it, with a pointer to --help unless `help` is false. */
export class UsageError extends Error {
  /** Whether the message ends with a pointer to `--help`: not for a mistake --help cannot explain. */
  readonly help: boolean;

  /** Makes the error with a message fit to print. */
  constructor(message: string, options: { help?: boolean } = {}) {
    super(message);
    this.name = "UsageError";
    this.help = options.help ?? true;
  }
}

/**
 * Runs `parse` (a `parseArgs` call), turning its errors into {@linkcode UsageError}s.
 *
 * @example
 * ```ts
 * import { parseArgs } from "node:util";
 * import { usageErrors } from "./common.ts";
 * const { values } = usageErrors(() => parseArgs({ args: ["-j", "2"], options: { j: { type: "string" } } }));
 * ```
 */
export function usageErrors<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/**
 * Requires `value` to be one of `choices`.
 *
 * @example
 * ```ts
 * import { oneOf } from "./common.ts";
 * const format = oneOf("--format", "dot", ["dot", "mermaid"] as const); // "dot"
 * ```
 */
export function oneOf<T extends string>(option: string, value: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(value)) return value as T;
  const list = choices.map((c) => `"${c}"`);
  const expected = `${list.slice(0, -1).join(", ")} or ${list.at(-1)}`;
  throw new UsageError(`${option} must be ${expected}, not "${value}"`);
}
