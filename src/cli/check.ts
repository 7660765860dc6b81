/**
 * `dagrun check FILE [TARGET...]`: validates the file (same messages and exit code as a run) and
 * prints the plan and any warnings, running nothing. With `--redis URL` (FILE then optional) it
 * first checks the connection and shows the queue's workers.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { formatProblem } from "../errors.ts";
import { loadTaskFile } from "../load.ts";
import { planOf } from "../plan.ts";
import { Colors, useColor } from "../report/colors.ts";
import { formatPlan } from "../report/plan.ts";
import { selectTasks } from "../select.ts";
import { type CliIO, EXIT, oneOf, UsageError, usageErrors } from "./common.ts";
import { formatFreshness, openFreshness } from "./incremental.ts";

/**
 * Runs `dagrun check` with `args` (after the word `check`); returns the exit code.
 *
 * @throws {TaskFileError} for an invalid file or unknown target (the caller prints it, exit 2).
 * @example
 * ```ts
 * import { checkCommand } from "./check.ts";
 * import { processIO } from "./common.ts";
 * await checkCommand(["examples/example.json"], processIO); // 0
 * ```
 */
export async function checkCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = usageErrors(() =>
    parseArgs({
      args,
      options: {
        exclude: { type: "string", multiple: true },
        color: { type: "string", default: "auto" },
        state: { type: "string" },
        redis: { type: "string" },
        queue: { type: "string" },
      },
      allowPositionals: true,
    })
  );
  const [path, ...targets] = positionals;
  const redis = values.redis;
  if (values.queue !== undefined && redis === undefined) throw new UsageError("--queue needs --redis URL");
  const remote = redis === undefined ? 0 : await checkRemote(redis, values.queue, io);
  if (path === undefined && redis !== undefined) return remote;
  if (path === undefined) throw new UsageError("missing task file: dagrun check FILE");
  const mode = oneOf("--color", values.color, ["auto", "always", "never"] as const);
  const file = await loadTaskFile(path);
  const { graph, skip } = selectTasks(file.graph, { targets, exclude: values.exclude, file: file.path });
  const colors = new Colors(useColor(mode, io.isTTY?.stdout ?? false, io.env ?? {}));
  const lines = [`${file.path}: valid`];
  if (targets.length || skip.size) {
    lines.push(
      `Selected ${graph.size} of ${file.graph.size} tasks` + (skip.size ? `, ${skip.size} excluded` : ""),
    );
  }
  io.write("stdout", lines.join("\n") + "\n" + formatPlan(graph, planOf(graph), colors));
  const freshness = await openFreshness(file.path, graph, { state: values.state, predict: true }, io);
  if (freshness) io.write("stdout", await formatFreshness(graph, skip, freshness));
  const warnings = file.warnings.map((w) =>
    `  ${formatProblem(file.path, w)}` + (w.hint ? `\n    fix: ${w.hint}` : "")
  );
  io.write("stdout", warnings.length ? `Warnings:\n${warnings.join("\n")}\n` : "No warnings.\n");
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
