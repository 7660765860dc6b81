/**
 * `dagrun check FILE [TARGET...]`: validates the file (same messages, warnings and exit code as a
 * run) and prints the plan, running nothing. With `--redis URL` (FILE then optional) it
 * first checks the connection and shows the queue's workers.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { planOf } from "../plan.ts";
import { count } from "../report/format.ts";
import { formatPlan } from "../report/plan.ts";
import { type CliIO, EXIT, UsageError, usageErrors } from "./common.ts";
import { formatFreshness, openFreshness } from "./incremental.ts";
import {
  COLOR_OPTION,
  colorMode,
  colorOn,
  loadWithWarnings,
  selectionOf,
  TASK_FILE_OPTIONS,
  taskFileArgs,
} from "./task_file_args.ts";

/**
 * Runs `dagrun check` with `args` (after the word `check`); returns the exit code.
 *
 * @throws {TaskFileError} for an invalid file or unknown target (the caller prints it, exit 2).
 * @example
 * ```ts
 * import { checkCommand } from "./check.ts";
 * import { processIO } from "./process_io.ts";
 * await checkCommand(["examples/example.json"], processIO()); // 0
 * ```
 */
export async function checkCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = usageErrors(() =>
    parseArgs({
      args,
      options: {
        ...TASK_FILE_OPTIONS,
        ...COLOR_OPTION,
        state: { type: "string" },
        redis: { type: "string" },
        queue: { type: "string" },
      },
      allowPositionals: true,
    })
  );
  const redis = values.redis;
  if (values.queue !== undefined && redis === undefined) throw new UsageError("--queue needs --redis URL");
  const remote = redis === undefined ? 0 : await checkRemote(redis, values.queue, io);
  if (positionals.length === 0 && redis !== undefined) return remote;
  const tasks = taskFileArgs("check", positionals, values);
  const color = colorOn(io, colorMode(values), "stdout");
  const file = await loadWithWarnings(tasks.path, io);
  const { graph, skip } = selectionOf(file, tasks);
  // The warnings themselves went to stderr, where every command prints them.
  const warned = file.warnings.length ? `, ${count(file.warnings.length, "warning")} (on stderr)` : "";
  const lines = [`${file.path}: valid${warned}`];
  if (tasks.targets.length || skip.size) {
    lines.push(
      `Selected ${graph.size} of ${file.graph.size} tasks` + (skip.size ? `, ${skip.size} excluded` : ""),
    );
  }
  io.write("stdout", lines.join("\n") + "\n" + formatPlan(graph, planOf(graph), { color }));
  const freshness = await openFreshness(file.path, graph, { state: values.state, predict: true }, io);
  if (freshness) io.write("stdout", await formatFreshness(graph, skip, freshness));
  return EXIT.ok;
}

/** `--redis`: the connection, the permissions and the workers of the queue (bullmq loaded only then). */
async function checkRemote(url: string, queue: string | undefined, io: CliIO): Promise<number> {
  const [{ parseRedisUrl }, { formatQueueStatus, queueStatus }, { DEFAULT_QUEUE }] = await Promise.all([
    import("../remote/url.ts"),
    import("../remote/status.ts"),
    import("../remote/protocol.ts"),
  ]);
  const target = parseRedisUrl(url);
  const name = queue ?? DEFAULT_QUEUE;
  io.write("stdout", formatQueueStatus(target.display, name, await queueStatus(target, name)));
  return EXIT.ok;
}
