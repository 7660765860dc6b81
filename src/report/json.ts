/**
 * The JSON files dagrun writes (the report, the trace): a regular file is replaced atomically, and
 * anything else (a terminal, `/dev/stdout`, a FIFO, a device) is written straight through, never
 * replaced.
 *
 * @module
 */
import { accessSync, constants, realpathSync, statSync } from "node:fs";
import { lstat, realpath, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import process from "node:process";
import type { RunReport, TaskReport } from "../events.ts";

/**
 * Writes `report` as JSON to `path`, as {@linkcode writeJsonFile} does.
 *
 * @example
 * ```ts
 * import { run } from "../../mod.ts";
 * import { writeJsonReport } from "./json.ts";
 * await writeJsonReport("report.json", await run([{ name: "a", type: "eval", arguments: "" }]));
 * ```
 */
export function writeJsonReport(path: string, report: RunReport): Promise<void> {
  return writeJsonFile(path, jsonReport(report));
}

/**
 * The report as its JSON file has it: without the tasks' `stopped`, which `error` and `timedOut`
 * say there. The tasks that were not stopped, nearly all, are not copied.
 *
 * @example
 * ```ts
 * import { jsonReport } from "./json.ts";
 * const report = jsonReport({ ok: true, interrupted: false, durationMs: 1, tasks: [] });
 * ```
 */
export function jsonReport(report: RunReport): RunReport {
  if (!report.tasks.some((t) => t.stopped)) return report;
  return { ...report, tasks: report.tasks.map((t) => t.stopped ? withoutStopCause(t) : t) };
}

function withoutStopCause({ stopped: _, ...task }: TaskReport): TaskReport {
  return task;
}

/**
 * Writes any value as indented JSON to `path`. A regular file, or a path that does not exist yet,
 * is written atomically: a temporary file beside it, then renamed over it, so a reader never sees
 * half a file; a symbolic link stays, and the file it points to gets the JSON. Anything else (a
 * character device such as `/dev/stdout` or `/dev/tty`, a FIFO, a socket, a path under `/dev/` or
 * `/proc/`) is opened and written straight through: renaming over it would replace it. A failed
 * write leaves no temporary file behind.
 *
 * @example
 * ```ts
 * import { writeJsonFile } from "./json.ts";
 * await writeJsonFile("trace.json", { traceEvents: [] });
 * ```
 */
export async function writeJsonFile(path: string, value: unknown): Promise<void> {
  const text = JSON.stringify(value, null, 2) + "\n";
  const target = await atomicTarget(path);
  // Appending leaves what a redirected stdout already holds in place (`/dev/stdout` > a file).
  if (target === undefined) return writeFile(path, text, { flag: "a" });
  const temporary = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
  try {
    await writeFile(temporary, text);
    await rename(temporary, target);
  } catch (e) {
    await rm(temporary, { force: true });
    throw e;
  }
}

/** The regular file that `path` names (through symbolic links), or `undefined` to write straight through. */
async function atomicTarget(path: string): Promise<string | undefined> {
  const absolute = resolve(path);
  // `/dev/stdout` resolves to whatever fd 1 is, a regular file included: replacing that file would
  // drop what dagrun already wrote to it.
  if (/^\/(dev|proc)\//.test(absolute)) return undefined;
  try {
    if (!(await stat(absolute)).isFile()) return undefined;
    return await realpath(absolute);
  } catch (e) {
    if ((e as { code?: string }).code !== "ENOENT") throw e;
    // A link to a file not made yet: write straight through it rather than replace the link.
    if ((await lstat(absolute).catch(() => undefined))?.isSymbolicLink()) return undefined;
    return absolute;
  }
}

/**
 * Why `path` cannot take an output file, or `undefined` if it can: checked before a run so that a
 * mistake costs nothing. It must not be empty nor a directory; a new or regular file needs a
 * writable directory (its temporary file goes there), anything else must itself be writable.
 *
 * @example
 * ```ts
 * import { outputPathProblem } from "./json.ts";
 * outputPathProblem("/no/such/dir/report.json"); // "directory /no/such/dir does not exist"
 * ```
 */
export function outputPathProblem(path: string): string | undefined {
  if (path === "") return "the path is empty";
  const absolute = resolve(path);
  const info = statOrUndefined(absolute);
  if (info?.isDirectory()) return "it is a directory";
  if (info && (!info.isFile() || /^\/(dev|proc)\//.test(absolute))) {
    return writable(absolute) ? undefined : "it is not writable";
  }
  const dir = dirname(info ? realpathOr(absolute) : absolute);
  const dirInfo = statOrUndefined(dir);
  if (!dirInfo) return `directory ${dir} does not exist`;
  if (!dirInfo.isDirectory()) return `${dir} is not a directory`;
  return writable(dir) ? undefined : `directory ${dir} is not writable`;
}

function statOrUndefined(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function realpathOr(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
