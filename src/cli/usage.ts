/**
 * The `--help` text: every command and option, in one place.
 *
 * @module
 */

/** Printed by `dagrun --help`. */
export const USAGE = `Usage: dagrun [run] [options] FILE [TARGET...]
       dagrun check [options] FILE [TARGET...]
       dagrun graph [options] FILE [TARGET...]

Runs the tasks of FILE (JSON or JSONC; - reads stdin) with the most concurrency
their dependencies allow, streams their output and ends with a report.
With TARGETs, runs only those tasks and what they depend on.

The first argument is a command only when it is exactly run, check or graph;
anything else is the task file. To run a file named like a command, give a path
(dagrun ./check) or the run command (dagrun run check).

Commands:
  run                   run the tasks (the default)
  check                 validate FILE and print the plan: task and dependency
                        counts, the dependency levels and the critical path
                        by task count (the longest dependency chain)
  graph                 print the dependency graph (arrows point from a task to
                        what it depends on)

Options of run:
  -j, --concurrency N   at most N tasks at once (default: unlimited); ready tasks
                        start longest-remaining-chain first
      --exclude NAME    do not run NAME; what depends on it is skipped
                        (repeatable; also for check and graph)
      --dry-run         print what would run, in start order, and run nothing
      --output MODE     prefixed: each line as "[task] line", live (default)
                        grouped: each task's lines as one block when it ends
                        raw: task output passed through as it is
      --color WHEN      auto (default: on a terminal, unless NO_COLOR is set or
                        FORCE_COLOR is), always or never
      --report-json PATH
                        also write the report as JSON to PATH
      --trace PATH      write a Chrome trace (Perfetto, chrome://tracing) to PATH
      --timings         end the report with each task's start, duration and
                        slack, besides the critical path
      --timeout SECONDS stop a task that runs longer (default: no limit); a
                        task's "timeout" overrides it
      --retries N       run a failed task up to N more times (default: 0); a
                        task's "retries" overrides it
      --on-failure POLICY
                        continue: other tasks go on after a failure (default)
                        no-new: start no more tasks, let running ones finish
                        kill: also stop the running tasks
      --eval-isolation MODE
                        inline: eval tasks run in dagrun's main thread and
                        share its globals (default)
                        worker: each eval task runs in a worker thread of its
                        own: CPU-heavy snippets run in parallel, and a timeout
                        or Ctrl-C stops even an endless loop
      --history PATH    with -j: order ready tasks by the longest remaining chain
                        of durations measured in PATH (a --report-json of an
                        earlier run) rather than by chain length

Options of graph:
      --format FORMAT   dot (default) or mermaid
      --report PATH     fill each task with its status from a --report-json file

  -h, --help            show this help
  -V, --version         show the version

On a terminal a status line on stderr shows progress while tasks run.
Exit codes: 0 all ok, 1 a task failed or was skipped, 2 invalid input or usage,
130 interrupted.
`;
