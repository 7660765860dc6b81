/**
 * `dagrun run --watch`: after a run, watches the selected tasks' inputs and the task file; on a
 * change (debounced) runs again, and the freshness check runs only what is now out of date. An
 * edited task file is loaded again (a broken one prints its problems and waits for the next
 * save). Ctrl-C ends it with exit 130 and the last pass's report.
 *
 * @module
 */
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import process from "node:process";
import { picomatch } from "../deps/picomatch.ts";
import { TaskFileError } from "../errors.ts";
import type { TaskGraph } from "../graph.ts";
import type { TaskFile } from "../load.ts";
import { reportChunks } from "../report/text.ts";
import { type Watcher, watchTree } from "../runtime/watch.ts";
import type { CliIO } from "./common.ts";
import { EXIT } from "./exit.ts";
import type { Pass } from "./run.ts";

/**
 * Options of {@linkcode watchRuns}.
 *
 * @example
 * ```ts
 * import type { WatchOptions } from "./watch.ts";
 * type Load = WatchOptions["load"];
 * ```
 */
export interface WatchOptions {
  /** The task file. */
  path: string;
  /** Where messages and reports go. */
  io: CliIO;
  /** The state folder (`--state`). Default: `.dagrun` beside the task file. */
  state?: string;
  /** Loads the task file, printing its warnings; throws a `TaskFileError`. */
  load: () => Promise<TaskFile>;
  /** Runs the loaded file once, reports it, and says how it went. */
  pass: (file: TaskFile) => Promise<Pass>;
  /** How long the files must be quiet before a pass starts, in ms. Default: 100. */
  debounceMs?: number;
}

/** What ends a wait for changes. */
type Wake = { stop: true } | { stop: false; paths: Set<string> };

/**
 * Runs the file, then again at each relevant change, until Ctrl-C (or SIGTERM, SIGHUP, or stdout
 * closing); returns 130, or the exit code of a pass that cannot go on.
 *
 * @throws {TaskFileError} when the file is invalid at the start (an edit later only prints).
 * @example
 * ```ts
 * import { watchRuns } from "./watch.ts";
 * import { loadWithWarnings, processIO } from "./common.ts";
 * import type { Pass } from "./run.ts";
 * declare function runFile(file: import("../load.ts").TaskFile): Promise<Pass>;
 * await watchRuns({ path: "tasks.json", io: processIO, load: () => loadWithWarnings("tasks.json", processIO), pass: runFile });
 * ```
 */
export async function watchRuns(options: WatchOptions): Promise<number> {
  const { io } = options;
  const taskFile = resolve(options.path);
  const stateDir = resolve(options.state ?? join(dirname(taskFile), ".dagrun"));
  const debounceMs = options.debounceMs ?? 100;

  let stopped = false;
  let pending = new Set<string>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let wake: ((w: Wake) => void) | undefined;
  const fire = () => {
    timer = undefined;
    if (!wake || (!stopped && pending.size === 0)) return;
    const w = wake;
    wake = undefined;
    const paths = pending;
    pending = new Set();
    w(stopped ? { stop: true } : { stop: false, paths });
  };
  const onStop = () => {
    stopped = true;
    fire();
  };
  const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
  for (const s of signals) process.on(s, onStop);
  io.closed?.addEventListener("abort", onStop, { once: true });
  let watcher: Watcher | undefined;
  try {
    let file = await options.load();
    let last = await options.pass(file);
    let dirs = "";
    let announce = true;
    while (!stopped && last.code !== EXIT.interrupted) {
      // Watch the folders the inputs are in, anew when the file changed them.
      const now = foldersOf(file.graph, taskFile);
      if (now.join("\n") !== dirs) {
        watcher?.close();
        dirs = now.join("\n");
        watcher = watchTree(now, (paths) => {
          for (const p of paths) if (!inside(resolve(p), stateDir)) pending.add(resolve(p));
          clearTimeout(timer);
          timer = setTimeout(fire, debounceMs);
        });
      }
      if (announce) io.write("stderr", "dagrun: watching for changes (Ctrl-C to stop)\n");
      announce = false;
      const woken = await new Promise<Wake>((resolve) => {
        wake = resolve;
        // Changes made during the pass are picked up now.
        if (pending.size > 0 || stopped) timer ??= setTimeout(fire, debounceMs);
      });
      if (woken.stop) break;
      if (woken.paths.has(taskFile)) {
        try {
          file = await options.load();
        } catch (e) {
          if (!(e instanceof TaskFileError)) throw e;
          io.write("stderr", `dagrun: ${e.message}\ndagrun: fix the file; the next save runs it again\n`);
          announce = true;
          continue;
        }
      } else if (!relevant(woken.paths, last)) continue;
      io.write("stdout", `\nChanged: ${describe(woken.paths)}\n`);
      last = await options.pass(file);
      announce = true;
    }
    // Stopped between passes: the last pass's report again, as a run that ends would show it.
    if (last.code !== EXIT.interrupted && last.report) {
      for (const chunk of reportChunks(last.report)) io.write("stdout", chunk);
    }
    return EXIT.interrupted;
  } finally {
    clearTimeout(timer);
    watcher?.close();
    for (const s of signals) process.off(s, onStop);
    io.closed?.removeEventListener("abort", onStop);
  }
}

/** The folders to watch: the task file's, and each selected task's with inputs, none inside another. */
function foldersOf(graph: TaskGraph, taskFile: string): string[] {
  const base = dirname(taskFile);
  const dirs = [base, ...graph.tasks.filter((t) => t.inputs).map((t) => resolve(base, t.cwd ?? "."))];
  const unique = [...new Set(dirs)].sort();
  return unique.filter((d) => !unique.some((other) => other !== d && inside(d, other)));
}

/** True when `path` is `dir` or under it. */
function inside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === "" || (!rel.startsWith(".." + sep) && rel !== ".." && !isAbsolute(rel));
}

/**
 * True when one of `paths` matches a selected task's input patterns and is not what the last
 * pass saw of it: a save that changed nothing, or a file that no task reads, wakes nothing.
 */
function relevant(paths: Set<string>, last: Pass): boolean {
  const { graph, freshness } = last;
  if (!freshness) return false;
  const base = resolve(freshness.baseDir);
  const matchers = graph.tasks.filter((t) => t.inputs).map((t) => ({
    dir: resolve(base, t.cwd ?? "."),
    match: picomatch(t.inputs!),
  }));
  for (const path of paths) {
    const reads = matchers.some(({ dir, match }) => inside(path, dir) && match(relative(dir, path)));
    if (reads && freshness.changed(path)) return true;
  }
  return false;
}

/** The changed paths for a heading: the first few, relative to the current folder. */
function describe(paths: Set<string>): string {
  const shown = [...paths].slice(0, 3).map((p) => relative(".", p) || p);
  return shown.join(", ") + (paths.size > 3 ? ` and ${paths.size - 3} more` : "");
}
