/**
 * The terminal reporter: `Started:`/`Ended :` lines, task output (whole lines prefixed with the
 * task name, blocks grouped by task, or raw bytes), and the final report.
 *
 * @module
 */
import type { RunEvent, RunReport, TaskReport } from "../events.ts";
import { concatBytes, prefixLines } from "../output/bytes.ts";
import { LineSplitter } from "../output/lines.ts";
import { Colors } from "./colors.ts";
import { count, formatDuration, nameWidth, type Write } from "./format.ts";
import { OutputGroups } from "./grouped.ts";
import { intrinsics } from "../intrinsics.ts";

// Named apart: a local `Promise` would hide the global type from the docs of the exports.
const { Promise: SafePromise, TextEncoder } = intrinsics;

/** How task output is shown. */
export type OutputMode = "prefixed" | "grouped" | "raw";

/**
 * Options of {@linkcode TextReporter}.
 *
 * @example
 * ```ts
 * import type { TextReporterOptions } from "./text.ts";
 * const options: TextReporterOptions = { write: (_stream, data) => console.log(data), output: "raw" };
 * ```
 */
export interface TextReporterOptions {
  /** Where text goes. */
  write: Write;
  /**
   * `prefixed`: each line as `[NAME] line`, as it comes. `grouped`: the same lines, held until
   * the task ends and then written as one block before its `Ended :` line. `raw`: the bytes as
   * they are. Default: `prefixed`.
   */
  output?: OutputMode;
  /** Colours for task names and statuses. Default: none. */
  colors?: Colors;
}

/** The streams task output and dagrun's own text go to. */
type Stream = "stdout" | "stderr";

/**
 * An unfinished line longer than this is not held whole: its task takes the stream, and the line
 * goes out as it comes, until its newline (see "Lines are never split" in the README).
 */
export const LINE_HOLD_BYTES = 64 * 1024;

/**
 * Grouped output held at once, all tasks together. Past it, the task that adds more takes both
 * streams: its block so far is written and the rest of it goes out as it comes, until it ends.
 */
export const GROUPED_HOLD_BYTES = 8 * 1024 * 1024;

const encoder = new TextEncoder();
const NEWLINE = new Uint8Array([10]);

/** One task's unfinished lines. */
interface TaskLines {
  prefix: Uint8Array;
  stdout?: LineSplitter;
  stderr?: LineSplitter;
}

/**
 * Turns run events into terminal text. Feed it every event, then call `finish` with the report.
 *
 * A line of task output is never mixed with anything else. Lines up to {@linkcode LINE_HOLD_BYTES}
 * are held until their newline and written with one write. A longer one makes its task the owner
 * of that stream until the newline: its bytes go out as they come, and everything else for that
 * stream (other tasks' output, `Started:`/`Ended :` lines) waits. `handle` returns a promise for an
 * output event that has to wait, so that the task's pipe is not read until it may go on.
 *
 * @example
 * ```ts
 * import { run } from "../../mod.ts";
 * import { TextReporter } from "./text.ts";
 * const reporter = new TextReporter({ write: (_s, d) => console.log(String(d).trimEnd()) });
 * const report = await run([{ name: "a", type: "exec", arguments: "echo hi" }], { onEvent: (e) => reporter.handle(e) });
 * reporter.finish(report);
 * ```
 */
export class TextReporter {
  readonly #write: Write;
  readonly #raw: boolean;
  readonly #groups?: OutputGroups;
  readonly #colors: Colors;
  /** Unfinished lines, by task index. */
  readonly #lines = new Map<number, TaskLines>();
  /** Names of tasks whose output is held, by index, for the blocks still held at `finish`. */
  readonly #names = new Map<number, string>();
  /** The task that owns each stream (mid-line, or its grouped block), if any. */
  readonly #owner: Record<Stream, number | undefined> = { stdout: undefined, stderr: undefined };
  /** Whether the owner's last byte on each stream was not a newline. */
  readonly #midLine: Record<Stream, boolean> = { stdout: false, stderr: false };
  /** What waits for each stream to be free, in order. */
  readonly #queue: Record<Stream, (() => void)[]> = { stdout: [], stderr: [] };
  /** Grouped: bytes held over all tasks, and the tasks waiting for the owner's block to end. */
  #held = 0;
  readonly #heldWaiters: (() => void)[] = [];

  /** Makes a reporter that writes through `options.write`. */
  constructor(options: TextReporterOptions) {
    this.#write = options.write;
    this.#raw = options.output === "raw";
    if (options.output === "grouped") this.#groups = new OutputGroups();
    this.#colors = options.colors ?? new Colors(false);
  }

  /** Shows one event; for an output event that must wait, returns when the task may go on. */
  handle(event: RunEvent): void | Promise<void> {
    switch (event.type) {
      case "started":
        return this.#put(
          "stdout",
          `Started: ${this.#colors.task(event.task.name)}${
            event.attempts > 1 ? ` (attempt ${event.attempt}/${event.attempts})` : ""
          }\n`,
        );
      case "retry":
        return this.#ended(
          event.index,
          event.task.name,
          `Failed : ${this.#colors.task(event.task.name)} (attempt ${event.attempt}/${event.attempts}: ` +
            `${event.error}), retrying in ${formatDuration(event.delayMs)}\n`,
        );
      case "output":
        if (this.#groups) return this.#hold(event.index, event.task.name, event.stream, event.data);
        return this.#output(event.index, event.task.name, event.stream, event.data);
      case "ended":
        return this.#ended(event.index, event.task.name, `Ended : ${this.#colors.task(event.task.name)}\n`);
      case "up-to-date":
        return this.#put("stdout", `Up to date: ${this.#colors.task(event.task.name)}\n`);
      case "error":
        return this.#put("stderr", `dagrun: ${event.message}\n`);
    }
  }

  /** Writes what is left of unfinished lines and held blocks, then the report. */
  finish(report: RunReport): void {
    // Every task has ended, so every owner has let go; this only makes sure nothing stays queued.
    for (const stream of ["stdout", "stderr"] as const) this.#release(stream);
    for (const resume of this.#heldWaiters.splice(0)) resume();
    for (const index of [...this.#lines.keys()]) this.#flush(index);
    for (const index of this.#groups?.pending() ?? []) this.#block(index, this.#names.get(index)!, "");
    for (const chunk of reportChunks(report, this.#colors)) this.#write("stdout", chunk);
  }

  /** Writes `data` now if `stream` is free, else once it is. */
  #put(stream: Stream, data: string | Uint8Array): void {
    if (this.#busy(stream, undefined)) this.#queue[stream].push(() => this.#write(stream, data));
    else this.#write(stream, data);
  }

  /** Whether `stream` is taken by a task other than `index`, or, when free, others wait for it. */
  #busy(stream: Stream, index: number | undefined): boolean {
    const owner = this.#owner[stream];
    return owner === undefined ? this.#queue[stream].length > 0 : owner !== index;
  }

  /** Runs `action` when `stream` is free; a promise when it had to wait, settled once it ran. */
  #when(stream: Stream, index: number, action: () => void | Promise<void>): void | Promise<void> {
    if (!this.#busy(stream, index)) return action();
    return new SafePromise<void>((resolve) => this.#queue[stream].push(() => resolve(action())));
  }

  /** Lets go of `stream` and runs what waited for it, until one of them takes it again. */
  #release(stream: Stream): void {
    this.#owner[stream] = undefined;
    this.#midLine[stream] = false;
    const queue = this.#queue[stream];
    while (queue.length && this.#owner[stream] === undefined) queue.shift()!();
  }

  #linesOf(index: number, name: string): TaskLines {
    let lines = this.#lines.get(index);
    if (!lines) this.#lines.set(index, lines = { prefix: encoder.encode(this.#prefix(name)) });
    return lines;
  }

  /** Prefixed and raw output: whole lines at once, a line too long to hold with its stream taken. */
  #output(index: number, name: string, stream: Stream, data: Uint8Array): void | Promise<void> {
    return this.#when(stream, index, () => {
      const lines = this.#linesOf(index, name);
      if (this.#owner[stream] === index) {
        const newline = data.indexOf(10);
        if (newline < 0) return this.#write(stream, data);
        this.#write(stream, data.subarray(0, newline + 1));
        this.#release(stream);
        const rest = data.subarray(newline + 1);
        return rest.length ? this.#output(index, name, stream, rest) : undefined;
      }
      const splitter = lines[stream] ??= new LineSplitter();
      const whole = splitter.push(data);
      if (whole) this.#write(stream, this.#raw ? whole : prefixLines(lines.prefix, whole, true));
      if (splitter.pending > LINE_HOLD_BYTES) {
        this.#owner[stream] = index;
        this.#midLine[stream] = true;
        const start = splitter.flush()!;
        this.#write(stream, this.#raw ? start : prefixLines(lines.prefix, start, true));
      }
    });
  }

  /** Grouped output: held until the task ends, or written as it comes by the task that owns the block. */
  #hold(index: number, name: string, stream: Stream, data: Uint8Array): void | Promise<void> {
    if (this.#owner.stdout === index) return this.#stream(index, name, stream, data);
    this.#names.set(index, name);
    this.#groups!.add(index, stream, data);
    this.#held += data.length;
    if (this.#held <= GROUPED_HOLD_BYTES) return;
    if (this.#owner.stdout === undefined && !this.#busy("stdout", index)) {
      // This task's block goes out now, and the rest of it as it comes.
      this.#owner.stdout = this.#owner.stderr = index;
      const held = this.#groups!.take(index)!;
      this.#names.delete(index);
      this.#held -= (held.stderr?.length ?? 0) + (held.stdout?.length ?? 0);
      if (held.stderr) this.#stream(index, name, "stderr", held.stderr);
      if (held.stdout) this.#stream(index, name, "stdout", held.stdout);
      return;
    }
    return new SafePromise((resolve) => this.#heldWaiters.push(resolve));
  }

  /** Writes output of the task that owns `stream`, with its prefix at each line start. */
  #stream(index: number, name: string, stream: Stream, data: Uint8Array): void {
    if (!data.length) return;
    const { prefix } = this.#linesOf(index, name);
    this.#write(stream, this.#raw ? data : prefixLines(prefix, data, !this.#midLine[stream]));
    this.#midLine[stream] = data[data.length - 1] !== 10;
  }

  /** The end of a task or of one of its attempts: its output so far, then the `line` saying so. */
  #ended(index: number, name: string, line: string): void {
    if (this.#groups) {
      if (this.#owner.stdout !== index) {
        this.#when("stdout", index, () => this.#block(index, name, line));
        return;
      }
      // The task whose block went out as it came: end its last line, and let the others go on.
      for (const stream of ["stderr", "stdout"] as const) {
        if (this.#midLine[stream]) this.#write(stream, NEWLINE);
        this.#midLine[stream] = false;
      }
      this.#write("stdout", line);
      this.#lines.delete(index);
      this.#owner.stderr = undefined;
      this.#release("stderr");
      this.#release("stdout");
      for (const resume of this.#heldWaiters.splice(0)) resume();
      return;
    }
    for (const stream of ["stdout", "stderr"] as const) {
      this.#when(stream, index, () => this.#flushStream(index, stream));
    }
    this.#put("stdout", line);
  }

  /** A task's held output as one write per stream, its stdout block ending with `after`. */
  #block(index: number, name: string, after: string): void {
    this.#names.delete(index);
    const held = this.#groups!.take(index);
    this.#held -= (held?.stderr?.length ?? 0) + (held?.stdout?.length ?? 0);
    const prefix = encoder.encode(this.#prefix(name));
    if (held?.stderr) this.#write("stderr", withNewline(prefixLines(prefix, held.stderr, true)));
    const out = held?.stdout ? withNewline(prefixLines(prefix, held.stdout, true)) : undefined;
    if (out && after) this.#write("stdout", concatBytes([out, encoder.encode(after)]));
    else if (out || after) this.#write("stdout", out ?? after);
  }

  #prefix(name: string): string {
    return this.#colors.task(name, `[${name}]`) + " ";
  }

  /** Writes what is left of a task's unfinished lines (ending them with a newline unless raw). */
  #flush(index: number): void {
    for (const stream of ["stdout", "stderr"] as const) this.#flushStream(index, stream);
    this.#lines.delete(index);
  }

  #flushStream(index: number, stream: Stream): void {
    const lines = this.#lines.get(index);
    if (this.#owner[stream] === index) {
      if (!this.#raw) this.#write(stream, NEWLINE);
      this.#release(stream);
    }
    const rest = lines?.[stream]?.flush();
    if (rest) this.#write(stream, this.#raw ? rest : withNewline(prefixLines(lines!.prefix, rest, true)));
    const idle = !lines?.stdout?.pending && !lines?.stderr?.pending;
    if (idle && this.#owner.stdout !== index && this.#owner.stderr !== index) this.#lines.delete(index);
  }
}

/** `bytes` ending with a newline. */
function withNewline(bytes: Uint8Array): Uint8Array {
  return bytes[bytes.length - 1] === 10 ? bytes : concatBytes([bytes, NEWLINE]);
}

/**
 * The report printed at the end: a row per task in file order, the failures again, a summary.
 *
 * @example
 * ```ts
 * import { formatReport } from "./text.ts";
 * console.log(formatReport({ ok: true, interrupted: false, durationMs: 12, tasks: [
 *   { name: "a", type: "exec", status: "ok", startMs: 0, endMs: 12, durationMs: 12, exitCode: 0 },
 * ] }));
 * ```
 */
export function formatReport(report: RunReport, colors: Colors = new Colors(false)): string {
  let text = "";
  for (const chunk of reportChunks(report, colors)) text += chunk;
  return text;
}

/**
 * {@linkcode formatReport}'s text in chunks of whole lines (about 64 KB each), so that the report
 * of a million tasks is written without first being built as one string (100 MB at 1M tasks).
 *
 * @example
 * ```ts
 * import { reportChunks } from "./text.ts";
 * for (const chunk of reportChunks({ ok: true, interrupted: false, durationMs: 1, tasks: [] })) {
 *   console.log(chunk);
 * }
 * ```
 */
export function* reportChunks(report: RunReport, colors: Colors = new Colors(false)): Generator<string> {
  const tasks = report.tasks;
  const width = nameWidth(tasks);
  const row = (t: TaskReport) =>
    `  ${t.name.padEnd(width)}  ${colors.status(t.status, t.status.padEnd(7))}  ${
      formatDuration(t.durationMs).padStart(8)
    }  ${detail(t)}`
      .trimEnd() + "\n";
  let chunk = "\nReport:\n";
  const counts = { ok: 0, failed: 0, skipped: 0 };
  let upToDate = 0;
  for (const t of tasks) {
    if (t.upToDate) upToDate++;
    else counts[t.status]++;
    chunk += row(t);
    if (chunk.length >= CHUNK) yield chunk, chunk = "";
  }
  if (counts.failed) chunk += "Failed:\n";
  for (const t of tasks) {
    if (t.status !== "failed") continue;
    chunk += row(t);
    if (chunk.length >= CHUNK) yield chunk, chunk = "";
  }
  yield chunk +
    `${count(tasks.length, "task")}: ${counts.ok} ok, ` +
    (upToDate ? `${upToDate} up to date, ` : "") + `${counts.failed} failed, ` +
    `${counts.skipped} skipped in ${(report.durationMs / 1000).toFixed(2)} s` +
    (report.interrupted ? " (interrupted)" : "") + "\n";
}

/** Size of the pieces the report is written in, in characters. */
const CHUNK = 64 * 1024;

/**
 * What to say about a task besides its status.
 *
 * @example
 * ```ts
 * import { detail } from "./text.ts";
 * detail({ name: "b", type: "exec", status: "skipped", startMs: null, endMs: null, durationMs: null, reason: "dependency a failed" });
 * // "skipped: dependency a failed"
 * ```
 */
export function detail(t: TaskReport): string {
  if (t.status === "skipped") return `skipped: ${t.reason}`;
  if (t.upToDate) return "up to date";
  const tries = t.attempts && t.attempts > 1 ? ` (${t.attempts} attempts)` : "";
  if (t.status === "ok") return tries.trim();
  return failure(t) + tries;
}

function failure(t: TaskReport): string {
  // Stopped by dagrun (timeout, Ctrl-C, failure policy): the reason first, the signal it took.
  if (t.stopped) {
    return t.signal ? `${t.error} (${t.signal})` : t.error!;
  }
  if (t.signal) return `killed by ${t.signal}`;
  if (t.exitCode !== undefined) return `exit code ${t.exitCode}`;
  return t.error ?? "";
}
