/**
 * The `--help` text: every command and option, in one place.
 *
 * @module
 */

/** Printed by `dagrun --help`. */
export const USAGE = `Usage: dagrun [run] [options] FILE [TARGET...]
       dagrun check [options] FILE [TARGET...]
       dagrun graph [options] FILE [TARGET...]
       dagrun worker --redis URL [options]

Runs the tasks of FILE (JSON or JSONC; - reads stdin) with the most concurrency
their dependencies allow, streams their output and ends with a report.
With TARGETs, runs only those tasks and what they depend on.

The first argument is a command only when it is exactly run, check, graph or
worker; anything else is the task file. To run a file named like a command, give
a path (dagrun ./check) or the run command (dagrun run check).

Commands:
  run                   run the tasks (the default)
  check                 validate FILE and print the plan: task and dependency
                        counts, the dependency levels and the critical path
                        by task count (the longest dependency chain), and
                        which tasks are up to date and why the others would run;
                        with --redis URL [--queue NAME] (FILE then optional),
                        check the connection and list the workers
  graph                 print the dependency graph (arrows point from a task to
                        what it depends on)
  worker                take tasks of "run --redis" from a Redis queue and run
                        them on this machine, until SIGTERM or Ctrl-C

Options of run:
  -j, --concurrency N   at most N tasks at once (default: unlimited); ready tasks
                        start longest-remaining-chain first
      --exclude NAME    do not run NAME; what depends on it is skipped
                        (repeatable; also for check and graph)
      --dry-run         print what would run, in start order, and why, and run
                        nothing
      --force           run every selected task, even those up to date
      --watch           after the run, watch the inputs and FILE; on a change run
                        what is out of date again (Ctrl-C to stop: exit 130)
      --state DIR       keep the state of incremental runs in DIR (default:
                        .dagrun beside FILE; also for check)
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

Running on many machines (see docs/remote.md):
      --redis URL       (run) run exec tasks on workers through the BullMQ queue
                        on Redis at URL (redis:// or rediss:// for TLS; default:
                        $DAGRUN_REDIS); Started: shows when a worker starts one
      --queue NAME      (run, worker) the queue's name (default: dagrun)
      --remote-eval     (run) run eval tasks on the workers too (they need
                        --allow-eval); otherwise they run here
      --key-file PATH   (run, worker) the key jobs are signed with (default:
                        $DAGRUN_KEY); the same on the coordinator and workers
      --insecure        (run, worker) run without a key: anyone who can write to
                        the queue can run commands on the workers
      --slots N         (worker) at most N tasks at once (default: the cores)
      --allow-eval      (worker) run eval tasks: arbitrary JavaScript
      --grace SECONDS   (worker) on SIGTERM, how long running tasks may finish
                        before they are stopped and handed back (default: 10)

Options of graph:
      --format FORMAT   dot (default) or mermaid
      --report PATH     fill each task with its status from a --report-json file

  -h, --help            show this help
  -V, --version         show the version

Tasks with "inputs" (glob patterns) run only when their command, env, input
files or dependencies' outputs changed since their last success, or their
"outputs" did; the others print "Up to date: NAME". See docs/incremental.md.

On a terminal a status line on stderr shows progress while tasks run.
Exit codes: 0 all ok, 1 a task failed or was skipped, 2 invalid input or usage,
130 interrupted.
`;
