/**
 * Test helpers shared by every test file. The suite uses only `node:test` and `node:assert` so
 * that it runs unchanged under `deno test` and `node --test` (against the built package).
 *
 * @module
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import { after } from "node:test";
import { fileURLToPath } from "node:url";
import type { RunReport, Task } from "../mod.ts";

/** True under Deno, false under Node. */
export const isDeno = "Deno" in globalThis;

/**
 * A stress case's size: `full` with `DAGRUN_TEST_FULL=1` (the size its fault was first reported
 * at: thousands of spawns, hundreds of tasks against the CLI's output budget), else `small`, a size
 * that still shows the fault, so that the whole suite stays quick on a two-core machine.
 */
export const sized = <T>(small: T, full: T): T => process.env.DAGRUN_TEST_FULL === "1" ? full : small;

/**
 * The CLI this suite tests: `cli.ts` beside the tests' parent folder under Deno, the compiled
 * `cli.js` in the same place of the build under Node.
 */
export const cliPath = fileURLToPath(new URL(isDeno ? "../cli.ts" : "../cli.js", import.meta.url));

/**
 * The project's `examples/` folder: the nearest one above the tests, so that it is found from the
 * source (`tests/`) and from the Node build (`npm/tests/`, which has no copy) alike.
 */
export const examplesDir: string = findUp("examples");

function findUp(name: string): string {
  let dir = fileURLToPath(new URL(".", import.meta.url));
  for (;;) {
    if (existsSync(join(dir, name))) return join(dir, name);
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no ${name}/ above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/**
 * What follows a test task's arguments: the names of its dependencies, then, optionally, more of
 * its fields (`{ timeout: 1 }`), which win over the defaults.
 */
export type TaskRest = string[] | [...dependencies: string[], more: Partial<Task>];

/**
 * A task of any type, e.g. one a test's own executor runs:
 * `task("fake", "b", "10", "a", { retries: 1 })` depends on `a`.
 */
export function task(type: string, name: string, args: string, ...rest: TaskRest): Task {
  const last = rest.at(-1);
  const more = typeof last === "object" ? last : {};
  const dependencies = (typeof last === "object" ? rest.slice(0, -1) : rest) as string[];
  return { name, type, arguments: args, dependencies, ...more };
}

/** An exec task: `exec("b", "echo hi", "a")` runs `echo hi` after `a`. */
export const exec = (name: string, command: string, ...rest: TaskRest): Task =>
  task("exec", name, command, ...rest);

/** An eval task: `ev("b", "console.log(1)", "a")` runs the snippet after `a`. */
export const ev = (name: string, code: string, ...rest: TaskRest): Task => task("eval", name, code, ...rest);

/**
 * A snippet that holds its thread for `ms` of wall time, as a CPU-bound loop does, but without using
 * a core: busy loops competed with the other test files for the machine's cores, so checks around
 * them measured how loaded the machine was.
 */
export const holdThread = (ms: number): string =>
  `Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${ms});`;

/** A fresh temporary directory. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "dagrun-test-"));
  if (madeDirs.push(dir) === 1) {
    after(() => madeDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  }
  return dir;
}

/** Every directory `tempDir` made for this test file, removed after its tests. */
const madeDirs: string[] = [];

/** Writes a task file (an object is written as JSON, a string as it is) and returns its path. */
export function taskFile(content: unknown, name = "tasks.json"): string {
  const path = join(tempDir(), name);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content, null, 2));
  return path;
}

/** What a CLI run produced. */
export interface CliResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** The dagrun process's pid. */
  pid: number;
}

/** Options of {@linkcode runCli}. */
export interface RunCliOptions {
  /** Text fed to stdin, which is then closed; default: none. */
  stdin?: string;
  /** Leave stdin open (a terminal that nobody types into) instead of closing it. */
  keepStdinOpen?: boolean;
  cwd?: string;
  env?: Record<string, string>;
  /** Called with the child once it is spawned, e.g. to send it a signal later. */
  onSpawn?: (child: ReturnType<typeof spawn>) => void;
  /** Called with every stdout chunk as it arrives. */
  onStdout?: (text: string, child: ReturnType<typeof spawn>) => void;
  /** Called with every stderr chunk as it arrives. */
  onStderr?: (text: string, child: ReturnType<typeof spawn>) => void;
  /** Kill the run (SIGKILL) after this many ms, failing the test. Default: 60000. */
  timeoutMs?: number;
}

/** Runs the dagrun CLI as a user would, in a subprocess, and collects what it printed. */
export function runCli(args: string[], options: RunCliOptions = {}): Promise<CliResult> {
  const argv = isDeno ? ["run", "--allow-all", cliPath, ...args] : [cliPath, ...args];
  const child = spawn(process.execPath, argv, {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: "1", ...options.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  options.onSpawn?.(child);
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (t: string) => {
    stdout += t;
    options.onStdout?.(t, child);
  });
  child.stderr!.setEncoding("utf8").on("data", (t: string) => {
    stderr += t;
    options.onStderr?.(t, child);
  });
  if (options.stdin !== undefined) child.stdin!.write(options.stdin);
  if (!options.keepStdinOpen) child.stdin!.end();
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      child.stdin!.destroy();
      resolve({ code, signal, stdout, stderr, pid: child.pid! });
    });
  });
}

/**
 * Sends `signal` to a process. Use this rather than `child.kill()`: Deno's `node:child_process`
 * then reports the child as killed by that signal even when it handled it and exited with a code.
 */
export function sendSignal(pid: number, signal: "SIGINT" | "SIGTERM" | "SIGHUP" | "SIGKILL"): void {
  process.kill(pid, signal);
}

/** Reads and parses a JSON file; by default, a report written by `--report-json`. */
export function readJson<T = RunReport>(path: string): T {
  return JSON.parse(readFileSync(path, "utf8"));
}

/** True when a process with this pid exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls `condition` (which may ask Redis, say) every 20 ms until it holds or `ms` pass; returns
 * whether it held.
 */
export async function waitFor(condition: () => boolean | Promise<boolean>, ms = 10_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await condition()) return true;
    await sleep(20);
  }
  return await condition();
}
