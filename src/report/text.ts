/**
 * The terminal reporter: `Started:`/`Ended :` lines, task output (whole lines prefixed with the
 * task name, blocks grouped by task, or raw bytes), and the final report.
 *
 * @module
 */
import type { RunEvent, RunReport, TaskReport } from "../events.ts";
import { LineSplitter } from "../output/lines.ts";
import { Colors } from "./colors.ts";
import { OutputGroups } from "./grouped.ts";
import { intrinsics } from "../intrinsics.ts";

const { TextDecoder } = intrinsics;

/** Where the reporter writes; each call must reach its stream whole, in order. */
export type Write = (stream: "stdout" | "stderr", data: string | Uint8Array) => void;

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

/**
 * Turns run events into terminal text. Feed it every event, then call `finish` with the report.
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
  readonly #decoder = new TextDecoder();
  /** Unfinished lines, by task index and stream. */
  readonly #partial = new Map<number, { stdout?: LineSplitter; stderr?: LineSplitter; prefix: string }>();
  /** Names of tasks whose output is held, by index, for the blocks still held at `finish`. */
  readonly #names = new Map<number, string>();

  /** Makes a reporter that writes through `options.write`. */
  constructor(options: TextReporterOptions) {
    this.#write = options.write;
    this.#raw = options.output === "raw";
    if (options.output === "grouped") this.#groups = new OutputGroups();
    this.#colors = options.colors ?? new Colors(false);
  }

  /** Shows one event. */
  handle(event: RunEvent): void {
    switch (event.type) {
      case "started":
        return this.#write(
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
        if (this.#groups) {
          this.#names.set(event.index, event.task.name);
          return this.#groups.add(event.index, event.stream, event.data);
        }
        return this.#output(event.index, event.task.name, event.stream, event.data);
      case "ended":
        return this.#ended(event.index, event.task.name, `Ended : ${this.#colors.task(event.task.name)}\n`);
      case "up-to-date":
        return this.#write("stdout", `Up to date: ${this.#colors.task(event.task.name)}\n`);
      case "error":
        return this.#write("stderr", `dagrun: ${event.message}\n`);
    }
  }

  /** Writes what is left of unfinished lines and held blocks, then the report. */
  finish(report: RunReport): void {
    for (const index of [...this.#partial.keys()]) this.#flush(index);
    for (const index of this.#groups?.pending() ?? []) this.#block(index, this.#names.get(index)!, "");
    for (const chunk of reportChunks(report, this.#colors)) this.#write("stdout", chunk);
  }

  /** The end of a task or of one of its attempts: its output so far, then the `line` saying so. */
  #ended(index: number, name: string, line: string): void {
    if (this.#groups) return this.#block(index, name, line);
    this.#flush(index);
    this.#write("stdout", line);
  }

  /** A task's held output as one write per stream, its stdout block ending with `after`. */
  #block(index: number, name: string, after: string): void {
    this.#names.delete(index);
    const held = this.#groups!.take(index);
    const prefix = this.#prefix(name);
    if (held?.stderr) this.#write("stderr", this.#prefixLines(prefix, held.stderr));
    const out = held?.stdout ? this.#prefixLines(prefix, held.stdout) : "";
    if (out || after) this.#write("stdout", out + after);
  }

  #prefix(name: string): string {
    return this.#colors.task(name, `[${name}]`) + " ";
  }

  #output(index: number, name: string, stream: "stdout" | "stderr", data: Uint8Array): void {
    let entry = this.#partial.get(index);
    if (!entry) this.#partial.set(index, entry = { prefix: this.#prefix(name) });
    const lines = (entry[stream] ??= new LineSplitter()).push(data);
    if (lines) this.#emitLines(stream, entry.prefix, lines);
  }

  #flush(index: number): void {
    const entry = this.#partial.get(index);
    if (!entry) return;
    this.#partial.delete(index);
    for (const stream of ["stdout", "stderr"] as const) {
      const rest = entry[stream]?.flush();
      if (rest) this.#emitLines(stream, entry.prefix, rest);
    }
  }

  #emitLines(stream: "stdout" | "stderr", prefix: string, lines: Uint8Array): void {
    this.#write(stream, this.#raw ? lines : this.#prefixLines(prefix, lines));
  }

  /** Every line of `bytes` with `prefix`; an unfinished last line gets its newline. */
  #prefixLines(prefix: string, bytes: Uint8Array): string {
    const text = this.#decoder.decode(bytes);
    const body = text.endsWith("\n") ? text.slice(0, -1) : text;
    return prefix + body.replaceAll("\n", "\n" + prefix) + "\n";
  }
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
    `${tasks.length} task${tasks.length === 1 ? "" : "s"}: ${counts.ok} ok, ` +
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
  if (t.timedOut || t.error === "interrupted" || t.error?.startsWith("stopped:")) {
    return t.signal ? `${t.error} (${t.signal})` : t.error!;
  }
  if (t.signal) return `killed by ${t.signal}`;
  if (t.exitCode !== undefined) return `exit code ${t.exitCode}`;
  return t.error ?? "";
}

/**
 * The width of a column of task names: the longest name, within 4 to 40 characters. A loop, not
 * `Math.max(...names)`, which overflows the stack for a few hundred thousand tasks.
 *
 * @example
 * ```ts
 * import { nameWidth } from "./text.ts";
 * nameWidth([{ name: "build" }, { name: "test" }]); // 5
 * ```
 */
export function nameWidth(rows: Iterable<{ name: string }>): number {
  let width = 4;
  for (const row of rows) if (row.name.length > width) width = row.name.length;
  return Math.min(40, width);
}

/**
 * A duration as people read it: `12 ms`, `1.50 s`; `-` for none.
 *
 * @example
 * ```ts
 * import { formatDuration } from "./text.ts";
 * formatDuration(1500); // "1.50 s"
 * ```
 */
export function formatDuration(ms: number | null): string {
  if (ms === null) return "-";
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}
