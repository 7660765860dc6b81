#!/usr/bin/env -S deno run --allow-all
/**
 * The `dagrun` command: parses arguments, runs the task file through the library and turns the
 * report into an exit code (0 all ok, 1 a task failed or was skipped, 2 bad input or usage,
 * 130 interrupted).
 *
 * @module
 */
import { realpathSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { dirname } from "node:path";
import { formatProblem } from "./src/errors.ts";
import {
  type FailurePolicy,
  historyWeight,
  loadHistory,
  loadTaskFile,
  type OutputMode,
  run,
  TaskFileError,
  TextReporter,
  VERSION,
  type Write,
  writeJsonReport,
} from "./mod.ts";

const USAGE = `Usage: dagrun [options] FILE

Runs the tasks of FILE (JSON or JSONC; - reads stdin) with the most concurrency
their dependencies allow, streams their output and ends with a report.

Options:
  -j, --concurrency N   at most N tasks at once (default: unlimited); ready tasks
                        start longest-remaining-chain first
      --output MODE     prefixed: each line as "[task] line" (default)
                        raw: task output passed through as it is
      --report-json PATH
                        also write the report as JSON to PATH
      --timeout SECONDS stop a task that runs longer (default: no limit); a
                        task's "timeout" overrides it
      --retries N       run a failed task up to N more times (default: 0); a
                        task's "retries" overrides it
      --on-failure POLICY
                        continue: other tasks go on after a failure (default)
                        no-new: start no more tasks, let running ones finish
                        kill: also stop the running tasks
      --history PATH    with -j: order ready tasks by the longest remaining chain
                        of durations measured in PATH (a --report-json of an
                        earlier run) rather than by chain length
  -h, --help            show this help
  -V, --version         show the version

Exit codes: 0 all ok, 1 a task failed or was skipped, 2 invalid input or usage,
130 interrupted.
`;

const FAILURE_POLICIES: readonly FailurePolicy[] = ["continue", "no-new", "kill"];

/** Exit codes, as documented in the README. */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

/** What `main` writes to; tests may capture it. Default: the process's stdout and stderr. */
export interface CliIO {
  write: Write;
}

const processIO: CliIO = {
  write: (stream, data) => void (stream === "stdout" ? process.stdout : process.stderr).write(data),
};

/**
 * Runs the command line `args` (without the program name) and returns the exit code.
 *
 * @example
 * ```ts
 * import { main } from "./cli.ts";
 * const code = await main(["examples/example.json", "-j", "2"]);
 * ```
 */
export async function main(args: string[], io: CliIO = processIO): Promise<number> {
  const fail = (message: string) => {
    io.write("stderr", `dagrun: ${message}\nRun "dagrun --help" for usage.\n`);
    return EXIT.usage;
  };
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        concurrency: { type: "string", short: "j" },
        output: { type: "string", default: "prefixed" },
        "report-json": { type: "string" },
        timeout: { type: "string" },
        retries: { type: "string" },
        "on-failure": { type: "string", default: "continue" },
        history: { type: "string" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "V" },
      },
    });
  } catch (e) {
    return fail((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return io.write("stdout", USAGE), EXIT.ok;
  if (values.version) return io.write("stdout", `dagrun ${VERSION}\n`), EXIT.ok;
  if (positionals.length !== 1) {
    return fail(positionals.length ? "expected one task file" : "missing task file");
  }
  const concurrency = values.concurrency === undefined ? Infinity : Number(values.concurrency);
  if (!Number.isInteger(concurrency) && concurrency !== Infinity || concurrency < 1) {
    return fail(`--concurrency must be a whole number of 1 or more, not "${values.concurrency}"`);
  }
  if (values.output !== "prefixed" && values.output !== "raw") {
    return fail(`--output must be "prefixed" or "raw", not "${values.output}"`);
  }
  const timeout = values.timeout === undefined ? undefined : Number(values.timeout);
  if (timeout !== undefined && !(timeout > 0 && timeout !== Infinity)) {
    return fail(`--timeout must be a number of seconds above 0, not "${values.timeout}"`);
  }
  const retries = values.retries === undefined ? 0 : Number(values.retries);
  if (!Number.isInteger(retries) || retries < 0) {
    return fail(`--retries must be a whole number of 0 or more, not "${values.retries}"`);
  }
  const onFailure = values["on-failure"] as FailurePolicy;
  if (!FAILURE_POLICIES.includes(onFailure)) {
    return fail(`--on-failure must be one of ${FAILURE_POLICIES.join(", ")}, not "${onFailure}"`);
  }

  let file;
  let weight;
  try {
    file = await loadTaskFile(positionals[0]);
    if (values.history !== undefined) weight = historyWeight(await loadHistory(values.history));
  } catch (e) {
    if (!(e instanceof TaskFileError)) throw e;
    io.write("stderr", `dagrun: ${e.message}\n`);
    return EXIT.usage;
  }
  for (const w of file.warnings) {
    io.write("stderr", `${formatProblem(file.path, { ...w, message: `warning: ${w.message}` })}\n`);
  }

  const reporter = new TextReporter({ write: io.write, output: values.output as OutputMode });
  const stop = new AbortController();
  const kill = new AbortController();
  const onSignal = () => (stop.signal.aborted ? kill.abort() : stop.abort());
  const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
  for (const s of signals) process.on(s, onSignal);
  try {
    const report = await run(file.graph, {
      concurrency,
      timeout,
      retries,
      onFailure,
      // A task's "cwd" is relative to the file's folder, as paths in a file usually are.
      baseDir: file.path === "-" ? "." : dirname(file.path),
      weight,
      signal: stop.signal,
      killSignal: kill.signal,
      onEvent: (e) => reporter.handle(e),
    });
    reporter.finish(report);
    if (values["report-json"]) await writeJsonReport(values["report-json"], report);
    return report.interrupted ? EXIT.interrupted : report.ok ? EXIT.ok : EXIT.failed;
  } finally {
    for (const s of signals) process.off(s, onSignal);
  }
}

/** True when this file is the program being run, on Deno (`import.meta.main`) or Node. */
function isMain(): boolean {
  const meta = import.meta as ImportMeta & { main?: boolean };
  if (typeof meta.main === "boolean") return meta.main;
  const entry = process.argv[1];
  return entry !== undefined && realpathSync(entry) === fileURLToPath(import.meta.url);
}

if (isMain()) {
  // Exit explicitly: a snippet's stray timer must not keep dagrun alive after the report.
  process.exit(await main(process.argv.slice(2)));
}
