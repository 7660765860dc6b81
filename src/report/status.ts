/**
 * The live status line on a terminal, redrawn in place like ninja's:
 * `[12/40 done] 3 running: build, test, lint · 1 failed · 4.2 s`.
 *
 * Task output shares the terminal, so every write of it goes through {@linkcode StatusLine.wrap}:
 * the line is cleared, the output written whole, and the line drawn again below it — output lines
 * are never torn and the status line never scrolls into the log.
 *
 * @module
 */
import { clearInterval, setInterval } from "node:timers";
import type { RunEvent } from "../events.ts";
import { Colors } from "./colors.ts";
import type { Write } from "./format.ts";
import { intrinsics } from "../intrinsics.ts";

const { now } = intrinsics;

/** Go to the start of the line and erase it. */
const CLEAR = "\r\x1b[K";

/**
 * Options of {@linkcode StatusLine}.
 *
 * @example
 * ```ts
 * import type { StatusLineOptions } from "./status.ts";
 * const options: StatusLineOptions = { write: (_s, d) => console.log(d), total: 40, columns: () => 80 };
 * ```
 */
export interface StatusLineOptions {
  /** Where the line is drawn: its `stderr` must be the terminal. */
  write: Write;
  /** Number of tasks in the run. */
  total: number;
  /** The terminal's width; the line is cut to fit so it never wraps. Default: 80. */
  columns?: () => number | undefined;
  /** Whether stdout is the same terminal, so that writes to it clear the line too. Default: true. */
  stdoutIsTerminal?: boolean;
  /** Colours for the failed count. Default: none. */
  colors?: Colors;
  /** How often the elapsed time is redrawn, in ms. Default: 100. */
  intervalMs?: number;
}

/**
 * Draws the status line from run events until `stop()`.
 *
 * @example
 * ```ts
 * import process from "node:process";
 * import { run } from "../../mod.ts";
 * import { StatusLine } from "./status.ts";
 * import { TextReporter } from "./text.ts";
 * const write = (s: "stdout" | "stderr", d: string | Uint8Array) => void process[s].write(d);
 * const status = new StatusLine({ write, total: 1 });
 * const text = new TextReporter({ write: status.wrap(write) });
 * const report = await run([{ name: "a", type: "exec", arguments: "echo hi" }], {
 *   onEvent: (e) => (text.handle(e), status.handle(e)),
 * });
 * status.stop();
 * text.finish(report);
 * ```
 */
export class StatusLine {
  readonly #write: Write;
  readonly #total: number;
  readonly #columns: () => number | undefined;
  readonly #stdoutIsTerminal: boolean;
  readonly #colors: Colors;
  readonly #t0 = now();
  /** Running tasks' names by index, oldest first. */
  readonly #running = new Map<number, string>();
  readonly #timer: ReturnType<typeof setInterval>;
  #done = 0;
  #failed = 0;
  #drawn = "";
  #stopped = false;
  /** The last write to the terminal ended mid-line (a long line going out as it comes): no redraw until its end. */
  #midLine = false;

  /** Makes a status line for a run of `options.total` tasks; it draws nothing until told to. */
  constructor(options: StatusLineOptions) {
    this.#write = options.write;
    this.#total = options.total;
    this.#columns = options.columns ?? (() => 80);
    this.#stdoutIsTerminal = options.stdoutIsTerminal ?? true;
    this.#colors = options.colors ?? new Colors(false);
    this.#timer = setInterval(() => this.#draw(), options.intervalMs ?? 100);
    this.#timer.unref();
  }

  /**
   * Counts one event. The line shows it at the next write through `wrap` (a started or ended
   * task always writes a line) or the next tick of the clock, whichever comes first, so a burst
   * of events costs one redraw.
   */
  handle(event: RunEvent): void {
    switch (event.type) {
      case "started":
        // A newline or escape code in a name would break the line; `?` stands for them.
        this.#running.set(event.index, event.task.name.replace(/\p{Cc}/gu, "?"));
        break;
      case "ended":
        this.#running.delete(event.index);
        this.#done++;
        if (event.report.status === "failed") this.#failed++;
        break;
      case "skipped":
      case "up-to-date":
        this.#done++;
        break;
    }
  }

  /**
   * Wraps `write` so that each write to the terminal first clears the line and then redraws it
   * below what was written.
   */
  wrap(write: Write): Write {
    return (stream, data) => {
      if (this.#stopped || (stream === "stdout" && !this.#stdoutIsTerminal)) return write(stream, data);
      this.#clear();
      write(stream, data);
      this.#midLine = data.length > 0 &&
        (typeof data === "string" ? !data.endsWith("\n") : data[data.length - 1] !== 10);
      this.#draw();
    };
  }

  /** Clears the line for good and stops redrawing. */
  stop(): void {
    this.#clear();
    this.#stopped = true;
    clearInterval(this.#timer);
  }

  /** The line as it would be drawn now, cut to `width` characters. */
  render(width: number): string {
    const seconds = ((now() - this.#t0) / 1000).toFixed(1);
    const head = `[${this.#done}/${this.#total} done] ${this.#running.size} running`;
    const tail = (this.#failed ? ` · ${this.#failed} failed` : "") + ` · ${seconds} s`;
    let names = "";
    let shown = 0;
    for (const name of this.#running.values()) {
      const more = this.#running.size - shown - 1;
      const next = (shown ? ", " : ": ") + name;
      const room = width - head.length - tail.length - (more ? ` +${more} more`.length : 0);
      if (columns(names) + columns(next) > room) break;
      names += next;
      shown++;
    }
    if (shown < this.#running.size) names += ` +${this.#running.size - shown} more`;
    const line = cut(head + names + tail, width);
    if (!this.#failed) return line;
    // Colour the count where the tail put it, not a task name that happens to read "2 failed".
    const at = head.length + names.length + " · ".length;
    const failed = `${this.#failed} failed`;
    if (line.slice(at, at + failed.length) !== failed) return line;
    return line.slice(0, at) + this.#colors.status("failed", failed) + line.slice(at + failed.length);
  }

  #draw(): void {
    if (this.#stopped || this.#midLine) return;
    // One column short of the width: writing the last column makes some terminals wrap.
    const columns = this.#columns() || 80; // a terminal of unknown size says 0
    const line = this.render(Math.max(20, columns - 1));
    if (line === this.#drawn) return;
    this.#write("stderr", CLEAR + line);
    this.#drawn = line;
  }

  #clear(): void {
    if (!this.#drawn) return;
    this.#write("stderr", CLEAR);
    this.#drawn = "";
  }
}

/** Columns `text` takes on a terminal. */
function columns(text: string): number {
  let n = 0;
  for (const ch of text) n += charColumns(ch.codePointAt(0)!);
  return n;
}

/** `text` cut to at most `width` columns. */
function cut(text: string, width: number): string {
  let n = 0;
  let end = 0;
  for (const ch of text) {
    n += charColumns(ch.codePointAt(0)!);
    if (n > width) return text.slice(0, end);
    end += ch.length;
  }
  return text;
}

/**
 * 2 for East Asian wide characters and emoji, 0 for combining marks and variation selectors, else
 * 1: close enough to what terminals do that the line does not wrap (a wrapped line could not be
 * erased in place).
 */
function charColumns(c: number): number {
  if ((c >= 0x300 && c <= 0x36f) || c === 0x200b || c === 0x200d || (c >= 0xfe00 && c <= 0xfe0f)) return 0;
  const wide = (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) || (c >= 0xac00 && c <= 0xd7a3) ||
    (c >= 0xf900 && c <= 0xfaff) || (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) ||
    (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1faff) || (c >= 0x20000 && c <= 0x3fffd);
  return wide ? 2 : 1;
}
