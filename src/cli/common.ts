/**
 * What every subcommand shares: the exit codes, the streams it writes to, argument parsing with
 * usage errors, and loading a task file with its problems printed.
 *
 * @module
 */
import { closeSync, openSync } from "node:fs";
import process from "node:process";
import { formatProblem } from "../errors.ts";
import type { TaskFile } from "../load.ts";
import { WriteBatch } from "../output/batch.ts";
import type { Write } from "../report/format.ts";
import { intrinsics } from "../intrinsics.ts";

// Named apart: a local `Promise` would hide the global type from the docs of the exports.
const { Promise: SafePromise } = intrinsics;

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

/**
 * A failed write (thrown, or emitted later) is no crash: writes to that stream are dropped from
 * then on. A closed pipe (EPIPE) or a terminal that went away (EIO) on either stream, and any
 * failure on stdout, abort `stdoutClosed`, which stops the run as Ctrl-C does, so that no task goes
 * on for nobody. Any other error (ENOSPC, ENOBUFS…) is kept for `writeError`: the run failed.
 */
const stdoutClosed = new AbortController();
const gone = { stdout: false, stderr: false };
let writeError: Error | undefined;
let terminalGone = false;
/** Which of fds 0, 1, 2 were terminals at the start (Node restores their modes at exit). */
const startedOnTerminal = [
  process.stdin.isTTY === true,
  process.stdout.isTTY === true,
  process.stderr.isTTY === true,
];

/**
 * Before the process exits after its terminal went away: points the standard fds that were that
 * terminal at /dev/null. Node restores a terminal's modes at exit and crashes (SIGSEGV, or an
 * assertion on tcsetattr) when the terminal is gone; it leaves alone an fd that was reopened.
 *
 * @example
 * ```ts
 * import { releaseGoneTerminal } from "./common.ts";
 * releaseGoneTerminal(); // nothing to do while the terminal is there
 * ```
 */
export function releaseGoneTerminal(): void {
  if (!terminalGone) return;
  for (const fd of [0, 1, 2]) {
    if (!startedOnTerminal[fd]) continue;
    try {
      closeSync(fd);
      // The lowest free fd: the one just closed.
      openSync("/dev/null", "r+");
    } catch { /* left as it is */ }
  }
}
const lost = (stream: "stdout" | "stderr") => (e: unknown) => {
  const code = (e as { code?: string }).code;
  gone[stream] = true;
  if (code === "EIO") terminalGone = true;
  if (code !== "EPIPE" && code !== "EIO") {
    const message = (e as Error).message;
    const named = code && !message.includes(code) ? ` (${code})` : "";
    writeError ??= new Error(`cannot write to ${stream}: ${message}${named}`);
  }
  if (stream === "stdout" || code === "EIO") stdoutClosed.abort();
  backlogChanged();
};
process.stdout.on("error", lost("stdout"));
process.stderr.on("error", lost("stderr"));

/**
 * The streams' write methods, taken at load: an inline snippet may replace
 * `process.stdout.write`, and that must not silence or crash dagrun.
 */
const writeTo = {
  stdout: process.stdout.write.bind(process.stdout) as (
    data: string | Uint8Array,
    done?: () => void,
  ) => boolean,
  stderr: process.stderr.write.bind(process.stderr) as (
    data: string | Uint8Array,
    done?: () => void,
  ) => boolean,
};

const processWrites = new WriteBatch((stream, data) => {
  if (gone[stream]) return;
  try {
    writeTo[stream](data);
  } catch (e) {
    lost(stream)(e);
  }
});

/**
 * How many bytes written but not yet taken by the streams make task output wait: on Node a write
 * to a pipe is queued in memory, and a reader slower than the tasks would otherwise have dagrun
 * hold everything it has not taken (measured: 874 MB of RSS for 800 MB of output).
 */
export const BACKLOG_BYTES = 1024 * 1024;

function backlog(): number {
  return processWrites.size + (gone.stdout ? 0 : process.stdout.writableLength ?? 0) +
    (gone.stderr ? 0 : process.stderr.writableLength ?? 0);
}

let caughtUp: { promise: Promise<void>; resolve: () => void } | undefined;

/** Settles the wait for the streams once the backlog is down to half the limit (or a stream failed). */
function backlogChanged(): void {
  if (caughtUp && backlog() <= BACKLOG_BYTES / 2) {
    caughtUp.resolve();
    caughtUp = undefined;
  }
}
process.stdout.on("drain", backlogChanged);
process.stderr.on("drain", backlogChanged);

function ready(): Promise<void> | undefined {
  if (backlog() <= BACKLOG_BYTES) return undefined;
  // What the batch holds reaches the stream now, so that the stream's drain says when it is out.
  processWrites.flush();
  if (backlog() <= BACKLOG_BYTES) return undefined;
  if (!caughtUp) {
    let resolve!: () => void;
    const promise = new SafePromise<void>((r) => (resolve = r));
    caughtUp = { promise, resolve };
  }
  return caughtUp.promise;
}

/** The real process's streams (writes gathered per event-loop turn) and environment. */
export const processIO: CliIO = {
  closed: stdoutClosed.signal,
  writeError: () => writeError,
  ready,
  write: processWrites.write,
  flush: () => processWrites.flush(),
  drain: () => {
    processWrites.flush();
    // On Node, writes to a pipe are asynchronous: the callback of an empty write comes after them.
    // A stream that failed calls back never, or with its error.
    const streams = (["stdout", "stderr"] as const).filter((s) => !gone[s]);
    return SafePromise.all(streams.map((s) => new SafePromise<void>((done) => writeTo[s]("", done))))
      .then(() => {});
  },
  isTTY: { stdout: process.stdout.isTTY === true, stderr: process.stderr.isTTY === true },
  columns: () => process.stderr.columns,
  env: process.env,
};

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

/**
 * Loads a task file, printing its warnings to stderr. A {@linkcode TaskFileError} is left to the
 * caller (`main` prints it and exits 2).
 *
 * @example
 * ```ts
 * import { loadWithWarnings, processIO } from "./common.ts";
 * const file = await loadWithWarnings("examples/example.json", processIO);
 * ```
 */
export async function loadWithWarnings(path: string, io: CliIO): Promise<TaskFile> {
  // Loaded here, not above: `dagrun --version` and `--help` need this module but no task file.
  const { loadTaskFile } = await import("../load.ts");
  const file = await loadTaskFile(path);
  for (const w of file.warnings) {
    io.write("stderr", `${formatProblem(file.path, { ...w, message: `warning: ${w.message}` })}\n`);
  }
  return file;
}
