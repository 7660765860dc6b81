/**
 * How the commands set up incremental runs: the state folder (`.dagrun/` beside the task file,
 * or `--state DIR`) and a `Freshness` for the selected tasks, when any of them declares files.
 *
 * @module
 */
import { dirname, join } from "node:path";
import type { Freshness } from "../freshness/freshness.ts";
import type { TaskGraph } from "../graph.ts";
import type { CliIO } from "./common.ts";

/**
 * Options of {@linkcode openFreshness}.
 *
 * @example
 * ```ts
 * import type { IncrementalOptions } from "./incremental.ts";
 * const options: IncrementalOptions = { force: true };
 * ```
 */
export interface IncrementalOptions {
  /** The state folder (`--state`). Default: `.dagrun` beside the task file. */
  state?: string;
  /** Run every task (`--force`). Default: false. */
  force?: boolean;
  /** Only predict, writing nothing (`--dry-run`, `check`). Default: false. */
  predict?: boolean;
}

/**
 * A `Freshness` for `graph`, loaded from `path`'s state folder, or `undefined` when no task
 * declares `inputs` or `outputs` (then every task runs, nothing is written, and the glob and
 * hashing code is not even loaded). Warnings, such as a damaged state file, go to stderr.
 *
 * @example
 * ```ts
 * import { loadTaskFile } from "../load.ts";
 * import { processIO } from "./common.ts";
 * import { openFreshness } from "./incremental.ts";
 * const file = await loadTaskFile("examples/example.json");
 * const freshness = await openFreshness(file.path, file.graph, {}, processIO); // undefined: no inputs there
 * ```
 */
export async function openFreshness(
  path: string,
  graph: TaskGraph,
  options: IncrementalOptions,
  io: CliIO,
): Promise<Freshness | undefined> {
  if (!graph.tasks.some((t) => t.inputs || t.outputs)) return undefined;
  const { Freshness } = await import("../freshness/freshness.ts");
  const baseDir = path === "-" ? "." : dirname(path);
  const stateDir = options.state ?? join(baseDir, ".dagrun");
  const warn = (message: string) => io.write("stderr", `dagrun: warning: ${message}\n`);
  try {
    return new Freshness(graph, { baseDir, stateDir, force: options.force, predict: options.predict, warn });
  } catch (e) {
    // The folder cannot be made (a file in the way, no permission): the run goes on without state.
    warn(
      `cannot keep the state in ${stateDir} (${(e as Error).message}): every task runs, nothing is recorded`,
    );
    return undefined;
  }
}

/**
 * Which tasks a run would leave alone as up to date and why each other one would run (for
 * `check`): a dry run of the graph with `freshness`, which must predict; closes it.
 *
 * @example
 * ```ts
 * import { loadTaskFile } from "../load.ts";
 * import { processIO } from "./common.ts";
 * import { formatFreshness, openFreshness } from "./incremental.ts";
 * const file = await loadTaskFile("tasks.json");
 * const freshness = await openFreshness(file.path, file.graph, { predict: true }, processIO);
 * if (freshness) console.log(await formatFreshness(file.graph, new Map(), freshness));
 * ```
 */
export async function formatFreshness(
  graph: TaskGraph,
  skip: Map<number, string>,
  freshness: Freshness,
): Promise<string> {
  const [{ builtinExecutors, run }, { dryExecutor }] = await Promise.all([
    import("../scheduler.ts"),
    import("../executors/dry.ts"),
  ]);
  const executors = Object.fromEntries(Object.keys(builtinExecutors).map((type) => [type, dryExecutor]));
  const upToDate: string[] = [];
  const wouldRun: string[] = [];
  await run(graph, {
    executors,
    skip,
    freshness,
    onEvent: (e) => {
      if (e.type === "up-to-date") upToDate.push(e.task.name);
      if (e.type === "started") wouldRun.push(`  ${e.task.name}: ${freshness.reason(e.index)}`);
    },
  });
  freshness.close();
  const listed = upToDate.length > MAX_LISTED
    ? `${upToDate.length} tasks: ${upToDate.slice(0, MAX_LISTED).join(", ")} and ${
      upToDate.length - MAX_LISTED
    } more`
    : upToDate.join(", ") || "none";
  return `Up to date: ${listed}\n` +
    (wouldRun.length ? `Would run:\n${wouldRun.join("\n")}\n` : "Would run: none\n");
}

/** How many up-to-date tasks `check` names before it gives the count of the rest: one line's worth. */
const MAX_LISTED = 10;
