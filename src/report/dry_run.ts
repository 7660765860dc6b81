/**
 * What a dry run prints: the tasks that would run, in start order, and the ones that would be
 * skipped, with the reason.
 *
 * @module
 */
import type { RunEvent, RunReport } from "../events.ts";
import { Colors } from "./colors.ts";
import { count, type Write } from "./format.ts";

/**
 * Lists a dry run's tasks from its events; call `finish` at the end for the summary.
 *
 * @example
 * ```ts
 * import { run } from "../../mod.ts";
 * import { dryExecutor } from "../executors/dry.ts";
 * import { DryRunReporter } from "./dry_run.ts";
 * const reporter = new DryRunReporter({ write: (_s, d) => console.log(String(d).trimEnd()) });
 * const report = await run([{ name: "a", type: "exec", arguments: "make" }], {
 *   executors: { exec: dryExecutor },
 *   onEvent: (e) => reporter.handle(e),
 * });
 * reporter.finish(report); // "  1. a  exec: make" then "Would run 1 task; nothing was run."
 * ```
 */
export class DryRunReporter {
  readonly #write: Write;
  readonly #colors: Colors;
  readonly #why?: (index: number) => string | undefined;
  #started = 0;
  #upToDate = 0;

  /**
   * Makes a reporter writing through `options.write`; `options.why` says why a task would run
   * (from `Freshness.reason`), shown after it.
   */
  constructor(options: { write: Write; colors?: Colors; why?: (index: number) => string | undefined }) {
    this.#write = options.write;
    this.#colors = options.colors ?? new Colors(false);
    this.#why = options.why;
  }

  /** Lists a started task (it would run) or a skipped one. */
  handle(event: RunEvent): void {
    if (event.type === "started") {
      const n = String(++this.#started).padStart(4);
      const command = event.task.arguments.split("\n", 1)[0];
      const cut = command.length > 60 ? command.slice(0, 59) + "…" : command;
      const why = this.#why?.(event.index);
      this.#write(
        "stdout",
        `${n}. ${this.#colors.task(event.task.name)}  ${event.task.type}: ${cut}${why ? `  (${why})` : ""}\n`,
      );
    } else if (event.type === "up-to-date") {
      this.#upToDate++;
      this.#write("stdout", `   =  ${event.task.name}  up to date\n`);
    } else if (event.type === "skipped") {
      this.#write(
        "stdout",
        `   -  ${event.task.name}  ${this.#colors.status("skipped")}: ${event.report.reason}\n`,
      );
    }
  }

  /** The summary line. */
  finish(report: RunReport): void {
    const skipped = report.tasks.length - this.#started - this.#upToDate;
    this.#write(
      "stdout",
      `Would run ${count(this.#started, "task")}` +
        (this.#upToDate ? `, ${this.#upToDate} up to date` : "") +
        (skipped ? `, skip ${skipped}` : "") + "; nothing was run.\n",
    );
  }
}
