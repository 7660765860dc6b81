/**
 * `dagrun [run] FILE [TARGET...]`: runs the selected tasks with the reporters the options ask
 * for, and turns the report into an exit code.
 *
 * @module
 */
import { dirname } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import type { RunEvent, RunReport } from "../events.ts";
import type { Freshness } from "../freshness/freshness.ts";
import type { TaskGraph } from "../graph.ts";
import type { TaskFile } from "../load.ts";
import {
  builtinExecutors,
  FAILURE_POLICIES,
  type FailurePolicy,
  run,
  type RunOptions,
} from "../scheduler.ts";
import type { ColorMode } from "../report/colors.ts";
import type { StatusLine } from "../report/status.ts";
import { OUTPUT_MODES, type OutputMode, TextReporter } from "../report/text.ts";
import type { TraceRecorder } from "../report/trace.ts";
import { chooseSpawn } from "../spawn/mod.ts";
import { becomeSubreaper, stopAdopted } from "../spawn/reaper.ts";
import type { Selection } from "../select.ts";
import { type CliIO, EXIT, oneOf, UsageError, usageErrors } from "./common.ts";
import { openFreshness } from "./incremental.ts";
import {
  COLOR_OPTION,
  colorMode,
  colorOn,
  loadWithWarnings,
  selectionOf,
  TASK_FILE_OPTIONS,
  type TaskFileArgs,
  taskFileArgs,
} from "./task_file_args.ts";
import { intrinsics } from "../intrinsics.ts";

const { Promise } = intrinsics;

/** The options of `dagrun run`, as `parseArgs` takes them. */
export const RUN_OPTIONS = {
  ...TASK_FILE_OPTIONS,
  ...COLOR_OPTION,
  concurrency: { type: "string", short: "j" },
  output: { type: "string", default: OUTPUT_MODES[0] },
  "report-json": { type: "string" },
  "dry-run": { type: "boolean" },
  trace: { type: "string" },
  timings: { type: "boolean" },
  timeout: { type: "string" },
  retries: { type: "string" },
  "on-failure": { type: "string", default: FAILURE_POLICIES[0] },
  "eval-isolation": { type: "string", default: "inline" },
  history: { type: "string" },
  redis: { type: "string" },
  queue: { type: "string" },
  "key-file": { type: "string" },
  insecure: { type: "boolean" },
  "remote-eval": { type: "boolean" },
  force: { type: "boolean" },
  state: { type: "string" },
  watch: { type: "boolean" },
} as const;

/**
 * Runs `dagrun run` with `args` (after the word `run`, if it was given); returns the exit code.
 *
 * @throws {TaskFileError} for an invalid file or unknown target (the caller prints it, exit 2).
 * @throws {UsageError} for bad options.
 * @example
 * ```ts
 * import { runCommand } from "./run.ts";
 * import { processIO } from "./process_io.ts";
 * const code = await runCommand(["examples/example.json", "-j", "2"], processIO());
 * ```
 */
export async function runCommand(args: string[], io: CliIO): Promise<number> {
  const o = parseRunArgs(args, io.env ?? {});
  await checkOutputPaths(o);
  if (o.watch) {
    const { watchRuns } = await import("./watch.ts");
    return watchRuns({
      path: o.path,
      io,
      state: o.state,
      load: () => loadWithWarnings(o.path, io),
      pass: (file) => runFile(file, o, io),
    });
  }
  return (await runFile(await loadWithWarnings(o.path, io), o, io)).code;
}

/**
 * What one run of a task file left: its exit code, and for `--watch` the report, the selected
 * graph and the freshness it used.
 */
export interface Pass {
  /** The exit code this run alone would end with. */
  code: number;
  /** The run's report; `undefined` for a dry run. */
  report?: RunReport;
  /** The selected tasks. */
  graph: TaskGraph;
  /** The freshness of the run, when any task declares files. */
  freshness?: Freshness;
}

/** Runs the loaded `file` as the options say. */
async function runFile(file: TaskFile, o: RunArgs, io: CliIO): Promise<Pass> {
  // What only some runs use (history, worker threads, dry run, status line, trace, timings, JSON
  // files) is imported when an option asks for it: a plain start loads none of it.
  const weight = o.history === undefined ? undefined : await historyWeightOf(o.history);
  const selection = selectionOf(file, o);
  // The choice of spawn (on Deno, a self-test that runs a child process) goes on while the rest
  // of the run is set up; the exec executor's preparation awaits the same choice.
  if (!o.dryRun && !o.remote && selection.graph.tasks.some((t) => t.type === "exec")) {
    chooseSpawn().catch(() => {});
  }
  const colors = colorsFor(io, o.color);
  const runOptions: RunOptions = {
    concurrency: o.concurrency,
    skip: selection.skip,
    timeout: o.timeout,
    retries: o.retries,
    onFailure: o.onFailure,
    executors: o.evalIsolation === "worker"
      ? { eval: (await import("../executors/eval_worker.ts")).workerEvalExecutor }
      : {},
    // A task's "cwd" is relative to the file's folder, as paths in a file usually are.
    baseDir: file.path === "-" ? "." : dirname(file.path),
    weight,
  };
  const freshness = await openFreshness(
    file.path,
    selection.graph,
    { state: o.state, force: o.force, predict: o.dryRun },
    io,
  );
  runOptions.freshness = freshness;
  if (o.dryRun) {
    const why = freshness && ((i: number) => freshness.reason(i));
    return { code: await dryRun(selection, runOptions, io, colors.stdout, why), graph: selection.graph };
  }
  const remote = o.remote && await openRemote(o.remote, io);
  if (remote) {
    runOptions.executors = { ...runOptions.executors, exec: remote.executor };
    if (o.remote!.eval) runOptions.executors.eval = remote.executor;
  }
  try {
    return { ...await runWith(selection, runOptions, o, io, colors), graph: selection.graph, freshness };
  } finally {
    freshness?.close();
    await remote?.close();
  }
}

/** Connects to the queue of `--redis` (bullmq is imported here, never for a local run). */
async function openRemote(remote: RemoteArgs, io: CliIO) {
  const [{ connectRemote }, { parseRedisUrl }, { loadKey }] = await Promise.all([
    import("../executors/remote.ts"),
    import("../remote/url.ts"),
    import("../remote/sign.ts"),
  ]);
  const key = loadKey({ keyFile: remote.keyFile, env: io.env ?? {}, insecure: remote.insecure });
  return connectRemote({ target: parseRedisUrl(remote.url), queue: remote.queue, key });
}

async function runWith(
  selection: Selection,
  runOptions: RunOptions,
  o: RunArgs,
  io: CliIO,
  colors: { stdout: boolean; stderr: boolean },
): Promise<{ code: number; report: RunReport }> {
  const reporters = await Reporters.create(io, selection, {
    output: o.output,
    colors,
    trace: o.trace !== undefined,
  });
  const stop = new AbortController();
  const kill = new AbortController();
  const onSignal = () => (stop.signal.aborted ? kill.abort() : stop.abort());
  const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
  for (const s of signals) process.on(s, onSignal);
  const onClosed = () => stop.abort();
  // Closed already (while warnings were printed): nobody would see the run.
  if (io.closed?.aborted) onClosed();
  io.closed?.addEventListener("abort", onClosed, { once: true });
  // Processes that leave their task's group (`setsid`) are adopted by dagrun, where it can be a
  // subreaper, and stopped once the run is over.
  becomeSubreaper();
  let report: RunReport;
  try {
    report = await run(selection.graph, {
      ...runOptions,
      signal: stop.signal,
      killSignal: kill.signal,
      onEvent: (e) => reporters.handle(e),
      flush: io.flush,
    });
    await stopAdopted(kill.signal.aborted ? 0 : runOptions.graceMs ?? 2000);
  } finally {
    for (const s of signals) process.off(s, onSignal);
    io.closed?.removeEventListener("abort", onClosed);
    reporters.stopStatus();
  }
  await reporters.finish(report, o.timings);
  // What is written to the terminal comes first, also when a file is `/dev/stdout`.
  await io.drain?.();
  let written = true;
  if (o.trace !== undefined) {
    written = await writeFile(io, "--trace", o.trace, () => reporters.trace!.trace());
  }
  if (o.reportJson !== undefined) {
    const { jsonReport } = await import("../report/json.ts");
    written = await writeFile(io, "--report-json", o.reportJson, () => jsonReport(report)) && written;
  }
  const writeError = io.writeError?.();
  if (writeError) io.write("stderr", `dagrun: ${writeError.message}\n`);
  const code = writeError
    ? EXIT.failed
    : report.interrupted
    ? EXIT.interrupted
    : report.ok && written
    ? EXIT.ok
    : EXIT.failed;
  return { code, report };
}

/**
 * Names of dagrun's own stdout and stderr: written through the stream, after the text, rather than
 * opened again by path (which fails for a socket, as Node's `child_process` pipes are).
 */
const OWN_STREAMS: Readonly<Record<string, "stdout" | "stderr">> = {
  "/dev/stdout": "stdout",
  "/dev/fd/1": "stdout",
  "/proc/self/fd/1": "stdout",
  "/dev/stderr": "stderr",
  "/dev/fd/2": "stderr",
  "/proc/self/fd/2": "stderr",
};

/**
 * Writes an output file at the end of the run; a failure that the check before the run could not
 * foresee (a full disk) is one line on stderr, and `false`.
 */
async function writeFile(io: CliIO, option: string, path: string, value: () => unknown): Promise<boolean> {
  try {
    const stream = OWN_STREAMS[path];
    if (stream) io.write(stream, JSON.stringify(value(), null, 2) + "\n");
    else await (await import("../report/json.ts")).writeJsonFile(path, value());
    return true;
  } catch (e) {
    io.write("stderr", `dagrun: cannot write ${option} ${path}: ${(e as Error).message}\n`);
    return false;
  }
}

/** The task weights from a `--history` report. */
async function historyWeightOf(path: string): Promise<RunOptions["weight"]> {
  const { historyWeight, loadHistory } = await import("../history.ts");
  return historyWeight(await loadHistory(path));
}

/** The arguments of `dagrun run`, checked. */
interface RunArgs extends TaskFileArgs {
  concurrency: number;
  output: OutputMode;
  color: ColorMode;
  timeout?: number;
  retries: number;
  onFailure: FailurePolicy;
  evalIsolation: "inline" | "worker";
  history?: string;
  dryRun: boolean;
  force: boolean;
  state?: string;
  watch: boolean;
  trace?: string;
  timings: boolean;
  reportJson?: string;
  /** Set with `--redis` (or `DAGRUN_REDIS`): tasks run on remote workers. */
  remote?: RemoteArgs;
}

/** Where and how tasks run remotely. */
interface RemoteArgs {
  url: string;
  queue?: string;
  keyFile?: string;
  insecure: boolean;
  /** `--remote-eval`: eval tasks run on the workers too. */
  eval: boolean;
}

/** Parses and checks the arguments of `dagrun run`; throws a {@linkcode UsageError}. */
function parseRunArgs(args: string[], env: Readonly<Record<string, string | undefined>>): RunArgs {
  const { values, positionals } = usageErrors(() =>
    parseArgs({ args, options: RUN_OPTIONS, allowPositionals: true })
  );
  const taskFile = taskFileArgs("run", positionals, values);
  if (values.watch && taskFile.path === "-") throw new UsageError("--watch needs a task file, not stdin");
  if (values.watch && values["dry-run"]) throw new UsageError("--watch runs tasks: leave out --dry-run");
  const concurrency = values.concurrency === undefined ? Infinity : Number(values.concurrency);
  if (!Number.isInteger(concurrency) && concurrency !== Infinity || concurrency < 1) {
    throw new UsageError(`--concurrency must be a whole number of 1 or more, not "${values.concurrency}"`);
  }
  const timeout = values.timeout === undefined ? undefined : Number(values.timeout);
  if (timeout !== undefined && !(timeout > 0 && timeout !== Infinity)) {
    throw new UsageError(`--timeout must be a number of seconds above 0, not "${values.timeout}"`);
  }
  const retries = values.retries === undefined ? 0 : Number(values.retries);
  if (!Number.isInteger(retries) || retries < 0) {
    throw new UsageError(`--retries must be a whole number of 0 or more, not "${values.retries}"`);
  }
  return {
    ...taskFile,
    concurrency,
    output: oneOf("--output", values.output, OUTPUT_MODES),
    color: colorMode(values),
    timeout,
    retries,
    onFailure: oneOf("--on-failure", values["on-failure"], FAILURE_POLICIES),
    evalIsolation: oneOf("--eval-isolation", values["eval-isolation"], ["inline", "worker"] as const),
    history: values.history,
    dryRun: values["dry-run"] === true,
    force: values.force === true,
    state: values.state,
    watch: values.watch === true,
    trace: values.trace,
    timings: values.timings === true,
    reportJson: values["report-json"],
    remote: remoteArgs(values, env),
  };
}

/** `--redis URL` or `DAGRUN_REDIS`, with the options that only make sense with it. */
function remoteArgs(
  values: {
    redis?: string;
    queue?: string;
    "key-file"?: string;
    insecure?: boolean;
    "remote-eval"?: boolean;
  },
  env: Readonly<Record<string, string | undefined>>,
): RemoteArgs | undefined {
  const url = values.redis ?? (env.DAGRUN_REDIS || undefined);
  if (url === undefined) {
    const stray = (["queue", "key-file", "insecure", "remote-eval"] as const).find((o) =>
      values[o] !== undefined
    );
    if (stray) throw new UsageError(`--${stray} needs --redis URL (or DAGRUN_REDIS)`);
    return undefined;
  }
  if (values.queue === "") throw new UsageError("--queue must not be empty");
  return {
    url,
    queue: values.queue,
    keyFile: values["key-file"],
    insecure: values.insecure === true,
    eval: values["remote-eval"] === true,
  };
}

/**
 * Refuses, before anything runs, an output file that could not be written at the end. The JSON
 * writer (node:fs) is loaded only when a file is asked for.
 */
async function checkOutputPaths(o: RunArgs): Promise<void> {
  for (const [option, path] of [["--report-json", o.reportJson], ["--trace", o.trace]] as const) {
    if (path === undefined || o.dryRun) continue;
    const problem = (await import("../report/json.ts")).outputPathProblem(path);
    if (problem) throw new UsageError(`${option} ${JSON.stringify(path)}: ${problem}`, { help: false });
  }
}

/** Whether to colour each stream, by `--color` and whether that stream is a terminal. */
function colorsFor(io: CliIO, mode: ColorMode): { stdout: boolean; stderr: boolean } {
  return { stdout: colorOn(io, mode, "stdout"), stderr: colorOn(io, mode, "stderr") };
}

/**
 * Runs nothing: walks the selection with executors that succeed at once, with the run's options,
 * so the order is the one the run would start tasks in if each took the same time.
 */
async function dryRun(
  selection: Selection,
  options: RunOptions,
  io: CliIO,
  color: boolean,
  why?: (index: number) => string | undefined,
): Promise<number> {
  const [{ dryExecutor }, { DryRunReporter }] = await Promise.all([
    import("../executors/dry.ts"),
    import("../report/dry_run.ts"),
  ]);
  const reporter = new DryRunReporter({ write: io.write, color, why });
  const executors = Object.fromEntries(Object.keys(builtinExecutors).map((type) => [type, dryExecutor]));
  const report = await run(selection.graph, { ...options, executors, onEvent: (e) => reporter.handle(e) });
  reporter.finish(report);
  return EXIT.ok;
}

/** The terminal text, the status line (on a terminal) and the trace, fed the same events. */
class Reporters {
  readonly text: TextReporter;
  readonly status?: StatusLine;
  readonly trace?: TraceRecorder;
  readonly #io: CliIO;
  readonly #selection: Selection;
  readonly #color: boolean;

  private constructor(
    io: CliIO,
    selection: Selection,
    options: { output: OutputMode; colors: { stdout: boolean; stderr: boolean } },
    status: StatusLine | undefined,
    trace: TraceRecorder | undefined,
  ) {
    this.#io = io;
    this.#selection = selection;
    this.#color = options.colors.stdout;
    this.status = status;
    this.trace = trace;
    const write = status ? status.wrap(io.write) : io.write;
    this.text = new TextReporter({
      write,
      output: options.output,
      color: options.colors.stdout,
      ready: io.ready,
    });
  }

  /** The reporters the options and the terminal ask for, each module loaded only then. */
  static async create(
    io: CliIO,
    selection: Selection,
    options: { output: OutputMode; colors: { stdout: boolean; stderr: boolean }; trace: boolean },
  ): Promise<Reporters> {
    let status: StatusLine | undefined;
    // A status line needs a terminal that understands "erase line", and is noise in a dumb one.
    if (io.isTTY?.stderr && io.env?.TERM !== "dumb") {
      const { StatusLine } = await import("../report/status.ts");
      status = new StatusLine({
        write: io.write,
        total: selection.graph.size,
        columns: io.columns,
        stdoutIsTerminal: io.isTTY.stdout,
        color: options.colors.stderr,
      });
    }
    const trace = options.trace ? new (await import("../report/trace.ts")).TraceRecorder() : undefined;
    return new Reporters(io, selection, options, status, trace);
  }

  /** Shows one event; a promise for output that should wait (the text or the terminal is behind). */
  handle(event: RunEvent): void | Promise<void> {
    // The status line counts first, so the redraw after the text's line already shows the event.
    this.status?.handle(event);
    const wait = this.text.handle(event);
    this.trace?.handle(event);
    return wait;
  }

  stopStatus(): void {
    this.status?.stop();
  }

  /** The report, then the critical path of a run of more than one task. */
  async finish(report: RunReport, timings: boolean): Promise<void> {
    this.text.finish(report);
    if (report.tasks.length > 1 && report.tasks.some((t) => t.startMs !== null)) {
      const { analyzeTimings, formatTimings } = await import("../report/critical_path.ts");
      const analysis = analyzeTimings(this.#selection.graph, report, { slack: timings });
      this.#io.write("stdout", formatTimings(analysis, { timings, color: this.#color }));
    }
  }
}
