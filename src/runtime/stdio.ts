/**
 * The process's standard streams as the command line writes to them, the runtime's own way. On
 * Node they are `process.stdin`, `process.stdout` and `process.stderr`. On Deno they are
 * `Deno.stdout` and `Deno.stderr` written synchronously, as Deno's `node:process` streams write
 * them (a write returns once the reader has taken every byte, so nothing queues in memory), without
 * loading that stream layer: with `node:fs` it cost about a fifth of an empty `deno run` at every
 * start (CPU, measured beside it). A failed write is reported as those streams report it: an
 * `error` event after the write returned, and the stream takes no more writes.
 *
 * @module
 */
import { intrinsics } from "../intrinsics.ts";

const { queueMicrotask, TextEncoder } = intrinsics;

/** What the command line uses of an output stream: the part of Node's `Writable` it calls. */
export interface OutputStream {
  /**
   * Writes `data` whole; `done` is called once the stream has taken it. Returns false when the
   * caller should wait for `drain`.
   */
  write(data: string | Uint8Array, done?: () => void): boolean;
  /** `error`: a write failed (with the system's `code`); `drain`: the stream caught up. */
  on(event: "error" | "drain", listener: (error: Error) => void): unknown;
  /** Bytes written but not yet taken. */
  readonly writableLength: number;
  /** Whether the stream is a terminal. */
  readonly isTTY?: boolean;
  /** The terminal's width, when it is one. */
  readonly columns?: number;
}

/** The three standard streams. */
export interface StandardStreams {
  /** Standard input: only whether it is a terminal. */
  readonly stdin: { readonly isTTY?: boolean };
  /** Standard output. */
  readonly stdout: OutputStream;
  /** Standard error. */
  readonly stderr: OutputStream;
}

/** The slice of the Deno namespace this module uses, so it type-checks without Deno's types too. */
interface DenoStdio {
  stdin: { isTerminal(): boolean };
  stdout: DenoFile;
  stderr: DenoFile;
  consoleSize(): { columns: number };
}

interface DenoFile {
  writeSync(data: Uint8Array): number;
  isTerminal(): boolean;
}

const deno = (globalThis as unknown as { Deno?: DenoStdio }).Deno;

/**
 * The process's standard streams; on Deno each is made when it is first used.
 *
 * @example
 * ```ts
 * import { standardStreams } from "./stdio.ts";
 * standardStreams.stdout.write("hello\n");
 * ```
 */
export const standardStreams: StandardStreams = deno
  ? denoStreams(deno)
  : (await import("node:process")).default as unknown as StandardStreams;

function denoStreams(deno: DenoStdio): StandardStreams {
  // Taken now: a snippet may replace Deno.stdout before the command line first writes.
  const { stdin, stdout, stderr, consoleSize } = deno;
  const made: { stdin?: { isTTY: boolean }; stdout?: OutputStream; stderr?: OutputStream } = {};
  return {
    get stdin() {
      return made.stdin ??= { isTTY: stdin.isTerminal() };
    },
    get stdout() {
      return made.stdout ??= denoStream(stdout, consoleSize);
    },
    get stderr() {
      return made.stderr ??= denoStream(stderr, consoleSize);
    },
  };
}

function denoStream(file: DenoFile, consoleSize: () => { columns: number }): OutputStream {
  const writeSync = file.writeSync.bind(file);
  const isTTY = file.isTerminal();
  const encoder = new TextEncoder();
  const onError: ((error: Error) => void)[] = [];
  let failed = false;
  return {
    write(data, done) {
      if (failed) return false;
      try {
        let bytes = typeof data === "string" ? encoder.encode(data) : data;
        while (bytes.length) bytes = bytes.subarray(writeSync(bytes));
      } catch (e) {
        failed = true;
        queueMicrotask(() => onError.forEach((listener) => listener(e as Error)));
        return false;
      }
      done?.();
      return true;
    },
    on(event, listener) {
      // Writes are synchronous: the stream is never behind, so it never drains.
      if (event === "error") onError.push(listener);
      return this;
    },
    writableLength: 0,
    isTTY,
    get columns() {
      if (!isTTY) return undefined;
      try {
        return consoleSize().columns;
      } catch {
        return undefined;
      }
    },
  };
}
