/**
 * Why the run took as long as it did: the chain of tasks that bounded its wall time, as it
 * happened, and how much slack every other task had.
 *
 * @module
 */
import type { RunReport, TaskReport } from "../events.ts";
import type { TaskGraph } from "../graph.ts";
import { Colors } from "./colors.ts";
import { count, formatDuration, nameWidth } from "./format.ts";

/** A critical path longer than twice this shows this many tasks at each end. */
const MAX_STEPS = 10;

/**
 * When a task ran.
 *
 * @example
 * ```ts
 * import type { TaskSpan } from "./critical_path.ts";
 * const span: TaskSpan = { name: "build", startMs: 10, endMs: 1010, durationMs: 1000 };
 * ```
 */
export interface TaskSpan {
  /** The task's name. */
  name: string;
  /** When it started, in ms since the run started. */
  startMs: number;
  /** When it ended, in ms since the run started. */
  endMs: number;
  /** How long it ran, in ms. */
  durationMs: number;
}

/**
 * One task of the critical path.
 *
 * @example
 * ```ts
 * import type { PathStep } from "./critical_path.ts";
 * const step: PathStep = { name: "build", startMs: 10, endMs: 1010, durationMs: 1000, waitMs: 10 };
 * ```
 */
export interface PathStep extends TaskSpan {
  /** Time between the end of the step before it (or the run's start) and this one's start. */
  waitMs: number;
}

/**
 * The run's timing analysis.
 *
 * @example
 * ```ts
 * import type { RunTimings } from "./critical_path.ts";
 * const t: RunTimings = { endMs: 5, path: [], tasks: [] };
 * ```
 */
export interface RunTimings {
  /** When the last task ended, in ms since the run started. */
  endMs: number;
  /** The chain that ended last, first task first. Empty when no task ran. */
  path: PathStep[];
  /** Every task that ran, in file order, with its slack. */
  tasks: TaskTiming[];
}

/**
 * One task's times and slack.
 *
 * @example
 * ```ts
 * import type { TaskTiming } from "./critical_path.ts";
 * const t: TaskTiming = { name: "lint", startMs: 0, endMs: 300, durationMs: 300, slackMs: 1200 };
 * ```
 */
export interface TaskTiming extends TaskSpan {
  /**
   * How much later the task could have ended without delaying the last task's end, if each
   * dependent started as soon as its dependencies ended. 0 on the critical path.
   */
  slackMs: number;
}

/**
 * Analyses a finished run: walks back from the task that ended last through, at each step, the
 * dependency that ended last before it started; and computes each task's slack backwards from
 * the end through its dependents.
 *
 * @param graph The graph that ran (the selected one, when targets were given).
 * @param report The run's report; its tasks are those of `graph`, in the same order.
 * @param options `slack: false` leaves `tasks` empty: the path alone is cheap even for a million
 * tasks, the slack of each costs about a second per million. Default: `slack: true`.
 * @example
 * ```ts
 * import { run, TaskGraph } from "../../mod.ts";
 * import { analyzeTimings } from "./critical_path.ts";
 * const graph = TaskGraph.from([
 *   { name: "a", type: "exec", arguments: "sleep 0.1" },
 *   { name: "b", type: "exec", arguments: "true", dependencies: ["a"] },
 * ]);
 * const { path } = analyzeTimings(graph, await run(graph));
 * console.log(path.map((s) => s.name)); // ["a", "b"]
 * ```
 */
export function analyzeTimings(
  graph: TaskGraph,
  report: RunReport,
  options: { slack?: boolean } = {},
): RunTimings {
  const tasks = report.tasks;
  const ran = (i: number): TaskReport | undefined => tasks[i].startMs === null ? undefined : tasks[i];
  let last = -1;
  for (let i = 0; i < tasks.length; i++) {
    if (ran(i) && (last < 0 || tasks[i].endMs! > tasks[last].endMs!)) last = i;
  }
  if (last < 0) return { endMs: 0, path: [], tasks: [] };
  const endMs = tasks[last].endMs!;

  const chain: number[] = [];
  for (let i = last; i >= 0;) {
    chain.push(i);
    let next = -1;
    for (const d of graph.dependenciesOf(i)) {
      if (ran(d) && (next < 0 || tasks[d].endMs! > tasks[next].endMs!)) next = d;
    }
    i = next;
  }
  chain.reverse();
  const path = chain.map((i, k): PathStep => {
    const t = tasks[i];
    const before = k === 0 ? 0 : tasks[chain[k - 1]].endMs!;
    return {
      name: t.name,
      startMs: t.startMs!,
      endMs: t.endMs!,
      durationMs: t.durationMs!,
      waitMs: round(Math.max(0, t.startMs! - before)),
    };
  });

  if (options.slack === false) return { endMs, path, tasks: [] };

  // Latest end of each task that delays nothing: the latest start of its earliest-needed dependent.
  const latestEnd = new Float64Array(tasks.length).fill(endMs);
  for (let k = graph.order.length - 1; k >= 0; k--) {
    const i = graph.order[k];
    if (!ran(i)) continue;
    for (const d of graph.dependentsOf(i)) {
      if (ran(d)) latestEnd[i] = Math.min(latestEnd[i], latestEnd[d] - tasks[d].durationMs!);
    }
  }
  const timings = tasks.flatMap((t, i): TaskTiming[] =>
    ran(i)
      ? [{
        name: t.name,
        startMs: t.startMs!,
        endMs: t.endMs!,
        durationMs: t.durationMs!,
        slackMs: round(Math.max(0, latestEnd[i] - t.endMs!)),
      }]
      : []
  );
  return { endMs, path, tasks: timings };
}

/**
 * The critical path as the report's last section; with `timings`, every task's start, duration
 * and slack too.
 *
 * @example
 * ```ts
 * import { formatTimings } from "./critical_path.ts";
 * console.log(formatTimings({
 *   endMs: 1500,
 *   path: [{ name: "a", startMs: 0, endMs: 1500, durationMs: 1500, waitMs: 0 }],
 *   tasks: [{ name: "a", startMs: 0, endMs: 1500, durationMs: 1500, slackMs: 0 }],
 * }));
 * ```
 */
export function formatTimings(
  t: RunTimings,
  options: { timings?: boolean; colors?: Colors } = {},
): string {
  const colors = options.colors ?? new Colors(false);
  const width = nameWidth(t.path);
  const total = t.path.reduce((sum, s) => sum + s.durationMs, 0);
  const lines = [
    "",
    colors.bold(
      `Critical path: ${count(t.path.length, "task")}, ` +
        `${formatDuration(total)} of work bounded the ${formatDuration(t.endMs)} run`,
    ),
  ];
  // A long chain shows its ends: one screen, like the rest of the report.
  const cut = t.path.length > 2 * MAX_STEPS + 1;
  t.path.forEach((s, k) => {
    if (cut && k >= MAX_STEPS && k < t.path.length - MAX_STEPS) {
      if (k === MAX_STEPS) {
        const hidden = t.path.slice(MAX_STEPS, -MAX_STEPS);
        const work = hidden.reduce((sum, h) => sum + h.durationMs, 0);
        lines.push(`  … ${hidden.length} more tasks, ${formatDuration(work)}`);
      }
      return;
    }
    // A visible gap means the task waited for something other than its dependencies (a free slot).
    const wait = s.waitMs >= 10 ? `  (started ${formatDuration(s.waitMs)} after it could)` : "";
    lines.push(`  ${s.name.padEnd(width)}  ${formatDuration(s.durationMs).padStart(8)}${wait}`);
  });
  if (options.timings) {
    const w = nameWidth(t.tasks);
    const cells = (...c: string[]) => c.map((x) => x.padStart(8)).join("  ");
    lines.push(
      colors.bold("Timings (slack: how much later a task could have ended without delaying the run):"),
      `  ${"task".padEnd(w)}  ${cells("start", "duration", "slack")}`,
    );
    const onPath = new Set(t.path.map((s) => s.name));
    for (const x of t.tasks) {
      const times = cells(formatDuration(x.startMs), formatDuration(x.durationMs), formatDuration(x.slackMs));
      lines.push(`  ${x.name.padEnd(w)}  ${times}${onPath.has(x.name) ? "  critical path" : ""}`);
    }
  }
  return lines.join("\n") + "\n";
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
