/**
 * The terminal reporter: `Started:`/`Ended :` lines, task output (whole lines prefixed with the
 * task name, blocks grouped by task, or raw bytes), and the final report.
 *
 * @module
 */
import type { RunEvent, RunReport, TaskReport } from "../events.ts";
import { compact, concatBytes, prefixLines } from "../output/bytes.ts";
import { LineSplitter } from "../output/lines.ts";
import { Colors } from "./colors.ts";
import { count, formatDuration, nameWidth, type Write } from "./format.ts";
import { HOLD_BYTES, OutputBudget, useBudget } from "../output/budget.ts";
import type { Task } from "../task.ts";
import { OutputGroups } from "./grouped.ts";
import { intrinsics } from "../intrinsics.ts";

// Named apart: a local `Promise` would hide the global type from the docs of the exports.
const { Promise: SafePromise, TextEncoder, setTimeout, clearTimeout, now } = intrinsics;

/**
 * How task output is shown.
 *
 * @example
 * ```ts
 * import { type OutputMode, TextReporter } from "@dagrun/dagrun/reporters";
 * const output: OutputMode = "grouped"; // each task's lines as one block when it ends
 * const reporter = new TextReporter({ write: (_s, d) => console.log(String(d).trimEnd()), output });
 * ```
 */
export type OutputMode = (typeof OUTPUT_MODES)[number];

/**
 * Every {@linkcode OutputMode}, the default first: the choices of `--output`.
 *
 * @example
 * ```ts
 * import { OUTPUT_MODES } from "@dagrun/dagrun/reporters";
 * console.log(OUTPUT_MODES.join(", ")); // prefixed, grouped, raw
 * ```
 */
export const OUTPUT_MODES = ["prefixed", "grouped", "raw"] as const;

/**
 * Options of {@linkcode TextReporter}.
 *
 * @example
 * ```ts
 * import type { TextReporterOptions } from "@dagrun/dagrun/reporters";
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
  /** Colour task names and statuses with ANSI escape codes (for a terminal). Default: false. */
  color?: boolean;
  /**
   * `undefined` while what was written is being taken, else a promise settled once the reader has
   * caught up (a slow reader). Meanwhile every task's pipes wait, not only the one whose output
   * found the reader behind, and a line held up by it is not stalled, so it is not cut (see
   * {@linkcode CUT_IDLE_MS}). Default: always taken.
   */
  ready?: () => Promise<void> | undefined;
  /**
   * `prefixed`: when a task that holds the output with an unfinished line, while others wait, has
   * its line cut: once it has written nothing for `idleMs`, or has held the output for `heldMs`.
   * Default: {@linkcode CUT_IDLE_MS} and {@linkcode CUT_HELD_MS}.
   */
  cut?: { idleMs: number; heldMs: number };
  /**
   * How many bytes of task output may be held back (unfinished lines, `grouped` blocks not yet
   * written) before the tasks' pipes wait; less memory for less throughput. Default:
   * {@linkcode HOLD_BYTES}.
   */
  holdBytes?: number;
}

/** The streams task output and dagrun's own text go to. */
type Stream = "stdout" | "stderr";

const STREAMS = ["stdout", "stderr"] as const;
const other = (stream: Stream): Stream => stream === "stdout" ? "stderr" : "stdout";

/**
 * An unfinished line longer than this is not held whole: its task takes the output, and the line
 * goes out as it comes, until its newline (see "Lines are never split" in docs/cli.md).
 */
export const LINE_HOLD_BYTES = 64 * 1024;

/**
 * `prefixed` output: a task that holds the output with an unfinished line while others wait has
 * its line cut (marked with `…` at the cut and again where it goes on) once it has written nothing
 * for this long, so that a task stalled mid-line (a progress bar drawn with `\r`, a long line and
 * then a pause) cannot hold the other tasks' output, and through back-pressure the tasks
 * themselves, for as long as it likes.
 */
export const CUT_IDLE_MS = 1000;

/** The same, however busy the task is, once it has held the output this long while others wait. */
export const CUT_HELD_MS = 10_000;

const encoder = new TextEncoder();
const NEWLINE = new Uint8Array([10]);
/** Ends a line cut short, and starts the rest of it. */
const CUT_END = encoder.encode("…\n");
const CUT_RESUME = encoder.encode("…");

/** One task's unfinished lines. */
interface TaskLines {
  task: Task;
  prefix: Uint8Array;
  stdout?: LineSplitter;
  stderr?: LineSplitter;
}

/**
 * Turns run events into terminal text. Feed it every event, then call `finish` with the report.
 *
 * A line of task output is never mixed with anything else. Lines up to {@linkcode LINE_HOLD_BYTES}
 * are held until their newline and written with one write. A longer one makes its task the owner
 * of the output until the newline: its bytes go out as they come, and everything else (other
 * tasks' output, `Started:`/`Ended :` lines) waits. So does it when the output held over all tasks
 * (unfinished lines, output waiting for its turn, grouped blocks) reaches the budget
 * ({@linkcode HOLD_BYTES}): the task holding the most takes the output, and the pipes of every
 * other task are not read until the held output is down to half. `handle` returns a promise for
 * an output event that has to wait, so that the task's pipe is not read until it may go on.
 *
 * @example
 * ```ts
 * import { run } from "@dagrun/dagrun";
 * import { TextReporter } from "@dagrun/dagrun/reporters";
 * const reporter = new TextReporter({ write: (_s, d) => console.log(String(d).trimEnd()) });
 * const report = await run([{ name: "a", type: "exec", arguments: "echo hi" }], { onEvent: (e) => reporter.handle(e) });
 * reporter.finish(report);
 * ```
 */
export class TextReporter {
  readonly #write: Write;
  readonly #ready?: () => Promise<void> | undefined;
  readonly #cut: { idleMs: number; heldMs: number };
  readonly #raw: boolean;
  readonly #groups?: OutputGroups;
  readonly #colors: Colors;
  readonly #budget: OutputBudget;
  /** Unfinished lines, by task index. */
  readonly #lines = new Map<number, TaskLines>();
  /** Tasks whose output is held, by index, for the blocks still held at `finish`. */
  readonly #held = new Map<number, Task>();
  /** The task that owns the output (mid-line, or its grouped block), if any. */
  #owner: number | undefined;
  /** Whether the owner's last byte on each stream was not a newline. */
  readonly #midLine: Record<Stream, boolean> = { stdout: false, stderr: false };
  /** What waits for the output to be free, in order. */
  #queue: (() => void)[] = [];
  /** Grouped: the tasks waiting for the owner's block to end. */
  readonly #heldWaiters: (() => void)[] = [];
  /** Set by `finish`: what is left goes out in order, nobody takes the output any more. */
  #finished = false;
  /** When the owner took the output, and when it last wrote (`prefixed`: see {@linkcode CUT_IDLE_MS}). */
  #ownedAt = 0;
  #ownerWroteAt = 0;
  #cutTimer: ReturnType<typeof setTimeout> | undefined;

  /** Makes a reporter that writes through `options.write`. */
  constructor(options: TextReporterOptions) {
    this.#write = options.write;
    this.#ready = options.ready;
    this.#cut = options.cut ?? { idleMs: CUT_IDLE_MS, heldMs: CUT_HELD_MS };
    this.#raw = options.output === "raw";
    if (options.output === "grouped") this.#groups = new OutputGroups();
    this.#colors = new Colors(options.color ?? false);
    this.#budget = new OutputBudget(options.holdBytes ?? HOLD_BYTES);
  }

  /** Shows one event; for an output event that must wait, returns when the task may go on. */
  handle(event: RunEvent): void | Promise<void> {
    switch (event.type) {
      case "started":
        // The task's pipes obey this reporter's budget.
        useBudget(event.task, this.#budget);
        return this.#put(
          "stdout",
          `Started: ${this.#colors.task(event.task.name)}${
            event.attempts > 1 ? ` (attempt ${event.attempt}/${event.attempts})` : ""
          }\n`,
        );
      case "retry":
        return this.#ended(
          event.index,
          event.task,
          `Failed : ${this.#colors.task(event.task.name)} (attempt ${event.attempt}/${event.attempts}: ` +
            `${event.error}), retrying in ${formatDuration(event.delayMs)}\n`,
        );
      case "output": {
        const wait = this.#groups
          ? this.#hold(event.index, event.task, event.stream, event.data)
          : this.#output(event.index, event.task, event.stream, event.data);
        const behind = this.#ready?.();
        if (!behind) return wait;
        this.#budget.waitFor(behind);
        return wait ?? behind;
      }
      case "ended":
        return this.#ended(event.index, event.task, `Ended : ${this.#colors.task(event.task.name)}\n`);
      case "up-to-date":
        return this.#put("stdout", `Up to date: ${this.#colors.task(event.task.name)}\n`);
      case "error":
        return this.#put("stderr", `dagrun: ${event.message}\n`);
    }
  }

  /** Writes what is left of unfinished lines and held blocks, then the report. */
  finish(report: RunReport): void {
    // Every task has ended, so the owner has let go; this only makes sure nothing stays queued.
    this.#finished = true;
    this.#release();
    for (const resume of this.#heldWaiters.splice(0)) resume();
    for (const index of [...this.#lines.keys()]) this.#flush(index);
    for (const index of this.#groups?.pending() ?? []) this.#block(index, this.#held.get(index)!, "");
    for (const chunk of reportChunks(report, this.#colors)) this.#write("stdout", chunk);
  }

  /** Writes `data` now if the output is free, else once it is. */
  #put(stream: Stream, data: string | Uint8Array): void {
    this.#when(undefined, () => this.#write(stream, data));
  }

  /** Whether the output is taken by a task other than `index`, or, when free, others wait for it. */
  #busy(index: number | undefined): boolean {
    return this.#owner === undefined ? this.#queue.length > 0 : this.#owner !== index;
  }

  /** Runs `action` now if the output is free for task `index`, else once it is. */
  #when(index: number | undefined, action: () => void): void {
    if (this.#busy(index)) this.#wait(action);
    else action();
  }

  /** Queues `action` for when the output is free; a line that keeps it waiting may be cut. */
  #wait(action: () => void): void {
    this.#queue.push(action);
    this.#watchForStall();
  }

  /** While a task holds the output mid-line and others wait, checks on it (see {@linkcode CUT_IDLE_MS}). */
  #watchForStall(): void {
    if (this.#cutTimer !== undefined || this.#owner === undefined || this.#raw || this.#groups) return;
    this.#cutTimer = setTimeout(() => this.#cutIfStalled(), Math.max(this.#untilCut(now()), 10));
  }

  /** How long, from `t`, until the owner's line is due to be cut: ≤ 0 when it is. */
  #untilCut(t: number): number {
    return Math.min(this.#idleLimit() - (t - this.#ownerWroteAt), this.#cut.heldMs - (t - this.#ownedAt));
  }

  /**
   * How long the owner may write nothing while others wait: shorter the more wait, down to a
   * twentieth, and a twentieth while the budget is spent or half spent. Each task waiting for its
   * turn (or for the gate) has its pipe paused, and its child blocked with it.
   */
  #idleLimit(): number {
    const waiting = this.#pressed() ? 20 : this.#queue.length;
    return this.#cut.idleMs / Math.min(20, Math.max(1, waiting));
  }

  #pressed(): boolean {
    return this.#budget.spent || this.#budget.held * 2 >= this.#budget.limit;
  }

  /**
   * Cuts the owner's unfinished line if it has kept the others waiting for too long (see
   * {@linkcode CUT_IDLE_MS}): each stream it is mid-line on ends with `…`, and what comes next of
   * that line is held as any other line, starting with `…` after the prefix.
   */
  #cutIfStalled(): void {
    this.#cutTimer = undefined;
    const index = this.#owner;
    if (index === undefined || (!this.#queue.length && !this.#pressed())) return;
    const t = now();
    // Held up by a slow reader, the owner is not stalled.
    if (this.#ready?.()) this.#ownerWroteAt = t;
    if (this.#untilCut(t) > 0) return this.#watchForStall();
    const lines = this.#lines.get(index)!;
    for (const stream of STREAMS) {
      if (!this.#midLine[stream]) continue;
      this.#write(stream, CUT_END);
      (lines[stream] ??= new LineSplitter()).push(CUT_RESUME);
      this.#heldChanged(CUT_RESUME.length);
    }
    this.#release();
  }

  /** `index` takes the output: what it holds of unfinished lines goes out, the rest as it comes. */
  #take(index: number, lines: TaskLines): void {
    this.#owner = index;
    this.#ownedAt = this.#ownerWroteAt = now();
    this.#budget.exempt(lines.task);
    if (this.#pressed()) this.#watchForStall();
    for (const stream of STREAMS) {
      const start = lines[stream]?.flush();
      if (!start) continue;
      this.#budget.remove(start.length);
      this.#midLine[stream] = true;
      this.#write(stream, this.#raw ? start : prefixLines(lines.prefix, start, true));
    }
  }

  /** Lets go of the output and runs what waited for it, until one of them takes it again. */
  #release(): void {
    this.#owner = undefined;
    if (this.#cutTimer !== undefined) clearTimeout(this.#cutTimer);
    this.#cutTimer = undefined;
    this.#midLine.stdout = this.#midLine.stderr = false;
    this.#budget.exempt(undefined);
    for (const resume of this.#heldWaiters.splice(0)) resume();
    while (this.#queue.length && this.#owner === undefined) this.#queue.shift()!();
    this.#settle();
  }

  /**
   * While the budget is spent, someone must hold the output, or nothing would be freed (every
   * other pipe waits): the task holding the most takes it.
   */
  #settle(): void {
    if (this.#owner !== undefined || !this.#budget.spent || this.#queue.length || this.#finished) return;
    if (this.#groups) {
      const index = this.#groups.largest();
      if (index !== undefined) this.#takeBlock(index, this.#held.get(index)!);
      return;
    }
    let most = 0;
    let holder: number | undefined;
    for (const [index, lines] of this.#lines) {
      const bytes = (lines.stdout?.pending ?? 0) + (lines.stderr?.pending ?? 0);
      if (bytes > most) [most, holder] = [bytes, index];
    }
    if (holder !== undefined) this.#take(holder, this.#lines.get(holder)!);
  }

  /** Counts a change in the bytes held. */
  #heldChanged(bytes: number): void {
    if (bytes > 0) this.#budget.add(bytes);
    else if (bytes < 0) this.#budget.remove(-bytes);
    if (this.#pressed()) this.#watchForStall();
  }

  #linesOf(index: number, task: Task): TaskLines {
    let lines = this.#lines.get(index);
    if (!lines) this.#lines.set(index, lines = { task, prefix: encoder.encode(this.#prefix(task.name)) });
    return lines;
  }

  /** Prefixed and raw output: whole lines at once, a line too long to hold with the output taken. */
  #output(index: number, task: Task, stream: Stream, data: Uint8Array): void | Promise<void> {
    if (this.#busy(index)) {
      // Held while it waits its turn: its pipe is not read meanwhile.
      const waiting = compact(data);
      this.#budget.add(waiting.length);
      return new SafePromise<void>((resolve) =>
        this.#wait(() => {
          this.#budget.remove(waiting.length);
          resolve(this.#place(index, task, stream, waiting));
        })
      );
    }
    return this.#place(index, task, stream, data);
  }

  /** `#output` once it is this task's turn. */
  #place(index: number, task: Task, stream: Stream, data: Uint8Array): void | Promise<void> {
    const lines = this.#linesOf(index, task);
    if (this.#owner === index) this.#ownerWroteAt = now();
    if (this.#owner === index && this.#midLine[stream]) {
      const newline = data.indexOf(10);
      if (newline < 0) return this.#write(stream, data);
      this.#write(stream, data.subarray(0, newline + 1));
      this.#midLine[stream] = false;
      if (!this.#midLine[other(stream)]) this.#release();
      const rest = data.subarray(newline + 1);
      return rest.length ? this.#output(index, task, stream, rest) : undefined;
    }
    const splitter = lines[stream] ??= new LineSplitter();
    const before = splitter.pending;
    const whole = splitter.push(data);
    this.#heldChanged(splitter.pending - before);
    if (whole) this.#write(stream, this.#raw ? whole : prefixLines(lines.prefix, whole, true));
    if (
      this.#owner === undefined &&
      (splitter.pending > LINE_HOLD_BYTES || (this.#budget.spent && splitter.pending))
    ) {
      this.#take(index, lines);
    } else if (this.#owner === index && splitter.pending > LINE_HOLD_BYTES) {
      // The owner (mid-line on the other stream) starts a long line here too.
      const start = splitter.flush()!;
      this.#budget.remove(start.length);
      this.#midLine[stream] = true;
      this.#write(stream, this.#raw ? start : prefixLines(lines.prefix, start, true));
    } else this.#settle();
  }

  /** Grouped output: held until the task ends, or written as it comes by the task that owns the block. */
  #hold(index: number, task: Task, stream: Stream, data: Uint8Array): void | Promise<void> {
    if (this.#owner === index) return this.#stream(index, task, stream, data);
    this.#held.set(index, task);
    const held = compact(data);
    this.#groups!.add(index, stream, held);
    this.#budget.add(held.length);
    if (!this.#budget.spent) return;
    if (!this.#busy(index)) return this.#takeBlock(index, task);
    return new SafePromise((resolve) => this.#heldWaiters.push(resolve));
  }

  /** Grouped: task `index` takes the output; its block so far goes out now, the rest as it comes. */
  #takeBlock(index: number, task: Task): void {
    this.#owner = index;
    this.#budget.exempt(task);
    const held = this.#groups!.take(index)!;
    this.#held.delete(index);
    this.#budget.remove((held.stderr?.length ?? 0) + (held.stdout?.length ?? 0));
    if (held.stderr) this.#stream(index, task, "stderr", held.stderr);
    if (held.stdout) this.#stream(index, task, "stdout", held.stdout);
  }

  /** Writes output of the task that owns the output, with its prefix at each line start. */
  #stream(index: number, task: Task, stream: Stream, data: Uint8Array): void {
    if (!data.length) return;
    const { prefix } = this.#linesOf(index, task);
    this.#write(stream, this.#raw ? data : prefixLines(prefix, data, !this.#midLine[stream]));
    this.#midLine[stream] = data[data.length - 1] !== 10;
  }

  /** The end of a task or of one of its attempts: its output so far, then the `line` saying so. */
  #ended(index: number, task: Task, line: string): void {
    if (this.#groups) {
      if (this.#owner !== index) return this.#when(index, () => this.#block(index, task, line));
      // The task whose block went out as it came: end its last lines, and let the others go on.
      for (const stream of ["stderr", "stdout"] as const) {
        if (this.#midLine[stream]) this.#write(stream, NEWLINE);
      }
      this.#write("stdout", line);
      this.#lines.delete(index);
      return this.#release();
    }
    for (const stream of STREAMS) this.#when(index, () => this.#flushStream(index, stream));
    this.#put("stdout", line);
  }

  /** A task's held output as one write per stream, its stdout block ending with `after`. */
  #block(index: number, task: Task, after: string): void {
    this.#held.delete(index);
    const held = this.#groups!.take(index);
    this.#budget.remove((held?.stderr?.length ?? 0) + (held?.stdout?.length ?? 0));
    const prefix = encoder.encode(this.#prefix(task.name));
    if (held?.stderr) this.#write("stderr", withNewline(prefixLines(prefix, held.stderr, true)));
    const out = held?.stdout ? withNewline(prefixLines(prefix, held.stdout, true)) : undefined;
    if (out && after) this.#write("stdout", concatBytes([out, encoder.encode(after)]));
    else if (out || after) this.#write("stdout", out ?? after);
    this.#settle();
  }

  #prefix(name: string): string {
    return this.#colors.task(name, `[${name}]`) + " ";
  }

  /** Writes what is left of a task's unfinished lines (ending them with a newline unless raw). */
  #flush(index: number): void {
    for (const stream of STREAMS) this.#flushStream(index, stream);
    this.#lines.delete(index);
  }

  #flushStream(index: number, stream: Stream): void {
    const lines = this.#lines.get(index);
    if (this.#owner === index && this.#midLine[stream]) {
      if (!this.#raw) this.#write(stream, NEWLINE);
      this.#midLine[stream] = false;
      if (!this.#midLine[other(stream)]) this.#release();
    }
    const rest = lines?.[stream]?.flush();
    if (rest) {
      this.#budget.remove(rest.length);
      this.#write(stream, this.#raw ? rest : withNewline(prefixLines(lines!.prefix, rest, true)));
    }
    const idle = !lines?.stdout?.pending && !lines?.stderr?.pending;
    if (idle && this.#owner !== index) this.#lines.delete(index);
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
 * import { formatReport } from "@dagrun/dagrun/reporters";
 * console.log(formatReport({ ok: true, interrupted: false, durationMs: 12, tasks: [
 *   { name: "a", type: "exec", status: "ok", startMs: 0, endMs: 12, durationMs: 12, exitCode: 0 },
 * ] }));
 * ```
 */
export function formatReport(report: RunReport, options: { color?: boolean } = {}): string {
  let text = "";
  for (const chunk of reportChunks(report, new Colors(options.color ?? false))) text += chunk;
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
