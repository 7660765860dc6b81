/**
 * The process's own stdout and stderr as the command line writes to them: writes gathered per
 * event-loop turn, back-pressure when the streams fall behind, and write failures that stop the
 * run instead of crashing it. Nothing happens on import: the first call of
 * {@linkcode processIO} attaches the listeners to the streams (a library user who imports the
 * command's modules keeps streams dagrun does not touch).
 *
 * @module
 */
import process from "node:process";
import { WriteBatch } from "../output/batch.ts";
import { type StandardStreams, standardStreams } from "../runtime/stdio.ts";
import type { CliIO } from "./common.ts";
import { intrinsics } from "../intrinsics.ts";

// Named apart: a local `Promise` would hide the global type from the docs of the exports.
const { Promise: SafePromise } = intrinsics;

/**
 * How many bytes written but not yet taken by the streams make task output wait: on Node a write
 * to a pipe is queued in memory, and a reader slower than the tasks would otherwise have dagrun
 * hold everything it has not taken (measured: 874 MB of RSS for 800 MB of output).
 */
export const BACKLOG_BYTES = 1024 * 1024;

type StreamName = "stdout" | "stderr";
const other = (stream: StreamName): StreamName => stream === "stdout" ? "stderr" : "stdout";

/** A write waiting for the other stream to catch up; `done` is called once it is taken. */
type Queued = { stream: StreamName; data: string | Uint8Array; done?: () => void };

/**
 * A failed write (thrown, or emitted later) is no crash: writes to that stream are dropped from
 * then on. A closed pipe (EPIPE) or a terminal that went away (EIO) on either stream, and any
 * failure on stdout, abort `closed`, which stops the run as Ctrl-C does, so that no task goes on
 * for nobody. Any other error (ENOSPC, ENOBUFS…) is kept for `writeError`: the run failed.
 *
 * Writes reach the two streams in the order they were made. On Node a write the system takes only
 * in part (a write to a terminal cut short by a signal, such as a task's SIGCHLD) is finished
 * later, asynchronously; a write to the other stream, often the same terminal, must not pass it,
 * or it lands inside the other stream's line (seen: a task's stderr line inside another task's
 * grouped block). So a write waits while the other stream still has a write under way.
 *
 * @example
 * ```ts
 * import { ProcessStreams } from "./process_io.ts";
 * import { standardStreams } from "../runtime/stdio.ts";
 * const { io } = new ProcessStreams(standardStreams);
 * io.write("stdout", "to stdout\n");
 * io.write("stderr", "then to stderr\n");
 * await io.drain!();
 * ```
 */
export class ProcessStreams {
  readonly #std: StandardStreams;
  readonly #closed = new AbortController();
  readonly #gone = { stdout: false, stderr: false };
  #writeError: Error | undefined;
  #terminalGone = false;
  /** Which of fds 0, 1, 2 were terminals at the start (Node restores their modes at exit). */
  readonly #startedOnTerminal: boolean[];
  /**
   * The streams' write methods, taken before any task runs: an inline snippet may replace
   * `process.stdout.write`, and that must not silence or crash dagrun.
   */
  readonly #writeTo: Record<StreamName, (data: string | Uint8Array, done?: () => void) => boolean>;
  readonly #writes = new WriteBatch((stream, data) => this.#send({ stream, data }));
  /** Writes waiting, in order, for the stream before them to finish a write under way. */
  #queue: Queued[] = [];
  #queuedBytes = 0;
  #waiting = false;
  #caughtUp: { promise: Promise<void>; resolve: () => void } | undefined;
  /** What the command line writes to. */
  readonly io: CliIO;

  /** Attaches dagrun's listeners to `std` and takes its write methods. */
  constructor(std: StandardStreams) {
    this.#std = std;
    this.#startedOnTerminal = [
      std.stdin.isTTY === true,
      std.stdout.isTTY === true,
      std.stderr.isTTY === true,
    ];
    this.#writeTo = {
      stdout: std.stdout.write.bind(std.stdout),
      stderr: std.stderr.write.bind(std.stderr),
    };
    const changed = () => this.#backlogChanged();
    std.stdout.on("error", (e) => this.#lost("stdout", e));
    std.stderr.on("error", (e) => this.#lost("stderr", e));
    std.stdout.on("drain", changed);
    std.stderr.on("drain", changed);
    this.io = {
      closed: this.#closed.signal,
      writeError: () => this.#writeError,
      ready: () => this.#ready(),
      write: this.#writes.write,
      flush: () => this.#writes.flush(),
      drain: () => this.#drain(),
      isTTY: { stdout: std.stdout.isTTY === true, stderr: std.stderr.isTTY === true },
      columns: () => std.stderr.columns,
      env: process.env,
    };
  }

  /** See {@linkcode releaseGoneTerminal}. */
  async releaseGoneTerminal(): Promise<void> {
    if (!this.#terminalGone) return;
    // Loaded only now: on Deno, node:fs costs a good part of a start.
    const { closeSync, openSync } = await import("node:fs");
    for (const fd of [0, 1, 2]) {
      if (!this.#startedOnTerminal[fd]) continue;
      try {
        closeSync(fd);
        // The lowest free fd: the one just closed.
        openSync("/dev/null", "r+");
      } catch { /* left as it is */ }
    }
  }

  #lost(stream: StreamName, e: unknown): void {
    const code = (e as { code?: string }).code;
    this.#gone[stream] = true;
    if (code === "EIO") this.#terminalGone = true;
    if (code !== "EPIPE" && code !== "EIO") {
      const message = (e as Error).message;
      const named = code && !message.includes(code) ? ` (${code})` : "";
      this.#writeError ??= new Error(`cannot write to ${stream}: ${message}${named}`);
    }
    if (stream === "stdout" || code === "EIO") this.#closed.abort();
    this.#waiting = false;
    this.#pump();
  }

  /** Writes `write` now, or queues it behind writes to the other stream still under way. */
  #send(write: Queued): void {
    if (this.#queue.length === 0 && !this.#busy(other(write.stream))) {
      this.#put(write);
      return;
    }
    this.#queue.push(write);
    this.#queuedBytes += write.data.length;
    this.#pump();
  }

  /** Whether `stream` has a write under way: one the system has not taken whole yet. */
  #busy(stream: StreamName): boolean {
    return !this.#gone[stream] && (this.#std[stream].writableLength ?? 0) > 0;
  }

  #pump(): void {
    while (this.#queue.length > 0 && !this.#waiting) {
      const next = this.#queue[0];
      const before = other(next.stream);
      if (this.#busy(before)) {
        this.#waiting = true;
        // The callback of an empty write comes once every write before it is taken. A stream
        // that fails calls back with its error or never: #lost pumps again then.
        this.#writeTo[before]("", () => {
          this.#waiting = false;
          this.#pump();
        });
        return;
      }
      this.#queue.shift();
      this.#queuedBytes -= next.data.length;
      this.#put(next);
    }
    this.#backlogChanged();
  }

  #put({ stream, data, done }: Queued): void {
    if (this.#gone[stream]) return done?.();
    try {
      this.#writeTo[stream](data, done);
    } catch (e) {
      this.#lost(stream, e);
      done?.();
    }
  }

  #backlog(): number {
    return this.#writes.size + this.#queuedBytes +
      (this.#gone.stdout ? 0 : this.#std.stdout.writableLength ?? 0) +
      (this.#gone.stderr ? 0 : this.#std.stderr.writableLength ?? 0);
  }

  /** Settles the wait for the streams once the backlog is down to half the limit (or a stream failed). */
  #backlogChanged(): void {
    if (this.#caughtUp && this.#backlog() <= BACKLOG_BYTES / 2) {
      this.#caughtUp.resolve();
      this.#caughtUp = undefined;
    }
  }

  #ready(): Promise<void> | undefined {
    if (this.#backlog() <= BACKLOG_BYTES) return undefined;
    // What the batch holds reaches the stream now, so that the stream's drain says when it is out.
    this.#writes.flush();
    if (this.#backlog() <= BACKLOG_BYTES) return undefined;
    if (!this.#caughtUp) {
      let resolve!: () => void;
      const promise = new SafePromise<void>((r) => (resolve = r));
      this.#caughtUp = { promise, resolve };
    }
    return this.#caughtUp.promise;
  }

  #drain(): Promise<void> {
    this.#writes.flush();
    // On Node, writes to a pipe are asynchronous: the callback of an empty write comes after them
    // (and after the writes still queued here). A stream that failed calls back never, or with its
    // error.
    const streams = (["stdout", "stderr"] as const).filter((s) => !this.#gone[s]);
    return SafePromise.all(
      streams.map((stream) => new SafePromise<void>((done) => this.#send({ stream, data: "", done }))),
    )
      .then(() => {});
  }
}

let streams: ProcessStreams | undefined;

/**
 * The real process's streams (writes gathered per event-loop turn) and environment. The first
 * call attaches dagrun's listeners to the standard streams (`process.stdout` and `process.stderr` on
 * Node, `Deno.stdout` and `Deno.stderr` on Deno: see `runtime/stdio.ts`) and takes their write
 * methods; every call returns the same `CliIO`.
 *
 * @example
 * ```ts
 * import { processIO } from "./process_io.ts";
 * const io = processIO();
 * io.write("stdout", "hello\n");
 * await io.drain!();
 * ```
 */
export function processIO(): CliIO {
  return (streams ??= new ProcessStreams(standardStreams)).io;
}

/**
 * Before the process exits after its terminal went away: points the standard fds that were that
 * terminal at /dev/null. Node restores a terminal's modes at exit and crashes (SIGSEGV, or an
 * assertion on tcsetattr) when the terminal is gone; it leaves alone an fd that was reopened.
 * Nothing to do before {@linkcode processIO} was called.
 *
 * @example
 * ```ts
 * import { releaseGoneTerminal } from "./process_io.ts";
 * await releaseGoneTerminal(); // nothing to do while the terminal is there
 * ```
 */
export async function releaseGoneTerminal(): Promise<void> {
  await streams?.releaseGoneTerminal();
}
