#!/usr/bin/env -S deno run --allow-all
/**
 * The `dagrun` command: picks the subcommand (`run`, the default, `check` or `graph`), lets it
 * parse its arguments and do its work, and turns what happened into an exit code (0 all ok,
 * 1 a task failed or was skipped, 2 bad input or usage, 130 interrupted). The commands live in
 * `src/cli/`.
 *
 * @module
 */
import type { CliIO } from "./src/cli/common.ts";
import { EXIT } from "./src/cli/exit.ts";
import { USAGE } from "./src/cli/usage.ts";
import { TaskFileError } from "./src/errors.ts";
import { VERSION } from "./src/version.ts";

export { type CliIO, EXIT };
export type { Write } from "./src/report/format.ts";

/** A subcommand: parses its arguments, does its work, returns the exit code. */
type Command = (args: string[], io: CliIO) => Promise<number>;

/**
 * The subcommands by name, each loaded when it is used (a start loads only what its command
 * needs); any other first argument is the task file of `run`.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  run: async () => (await import("./src/cli/run.ts")).runCommand,
  check: async () => (await import("./src/cli/check.ts")).checkCommand,
  graph: async () => (await import("./src/cli/graph.ts")).graphCommand,
  worker: async () => (await import("./src/cli/worker.ts")).workerCommand,
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
export async function main(args: string[], io?: CliIO): Promise<number> {
  const info = infoText(args);
  if (info !== undefined) {
    // Without an io of the caller's, the console prints it: the process's streams are not loaded.
    if (io) io.write("stdout", info);
    else console.log(info.slice(0, -1));
    return EXIT.ok;
  }
  const { processIO } = await import("./src/cli/common.ts");
  io ??= processIO;
  try {
    return await dispatch(args, io);
  } finally {
    io.flush?.();
  }
}

/** What `--help` or `--version` print (before any `--`), or undefined when neither is given. */
function infoText(args: string[]): string | undefined {
  const options = args.slice(0, (args.indexOf("--") + 1 || args.length + 1) - 1);
  if (options.includes("-h") || options.includes("--help")) return USAGE;
  if (options.includes("-V") || options.includes("--version")) return `dagrun ${VERSION}\n`;
}

async function dispatch(args: string[], io: CliIO): Promise<number> {
  const named = Object.hasOwn(COMMANDS, args[0] ?? "");
  try {
    const command = await COMMANDS[named ? args[0] : "run"]();
    return await command(named ? args.slice(1) : args, io);
  } catch (e) {
    const [{ UsageError }, { RemoteError }] = await Promise.all([
      import("./src/cli/common.ts"),
      import("./src/remote/errors.ts"),
    ]);
    if (e instanceof UsageError) {
      io.write("stderr", `dagrun: ${e.message}\n${e.help ? 'Run "dagrun --help" for usage.\n' : ""}`);
      return EXIT.usage;
    }
    if (e instanceof TaskFileError || e instanceof RemoteError) {
      io.write("stderr", `dagrun: ${e.message}\n`);
      return EXIT.usage;
    }
    throw e;
  }
}

/**
 * The runtime's globals this file reads before it knows it needs `node:process`: on Deno, loading
 * that module costs as much as the rest of `dagrun --version`.
 */
const runtime = globalThis as unknown as {
  Deno?: { args: string[] };
  process: { argv: string[] };
};

/** True when this file is the program being run, on Deno (`import.meta.main`) or Node. */
async function isMain(): Promise<boolean> {
  const meta = import.meta as ImportMeta & { main?: boolean };
  if (typeof meta.main === "boolean") return meta.main;
  const entry = runtime.process.argv[1];
  if (entry === undefined) return false;
  const realpathSync = (await import("node:fs")).realpathSync;
  const fileURLToPath = (await import("node:url")).fileURLToPath;
  return realpathSync(entry) === fileURLToPath(import.meta.url);
}

if (await isMain()) {
  const args = runtime.Deno?.args ?? runtime.process.argv.slice(2);
  const code = await main(args);
  // --help and --version end by themselves, having started nothing. A run exits explicitly: a
  // snippet's stray timer must not keep dagrun alive after the report.
  if (infoText(args) === undefined) {
    // One after the other, not with Promise.all: a snippet may have replaced the global Promise.
    const process = (await import("node:process")).default;
    const { processIO, releaseGoneTerminal } = await import("./src/cli/common.ts");
    // On Node, writes to a pipe are asynchronous and process.exit drops what is still queued (the
    // end of a megabyte-long line, the report): wait until both streams have written everything.
    await processIO.drain!();
    releaseGoneTerminal();
    process.exit(code);
  }
}
