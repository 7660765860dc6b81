/**
 * Spawning on Deno, with `Deno.Command`.
 *
 * Every task must lead its own process group (so that stopping it reaches everything it
 * started), and `Deno.Command` has no option for that but `detached: true`, which forks the whole
 * Deno process (its spawn takes a pre-exec hook, so no `posix_spawn`). On Linux the shell is
 * therefore started through `setsid`, which makes it the leader of a new session and process
 * group at the price of one more small exec. Elsewhere `detached: true` does the job.
 *
 * Measured (2026-11-29, 2 cores, Deno 2.9.6, a shared and busy machine: three runs each, 2000
 * concurrent `sh -c true` with piped output: `deno run -A scripts/bench_spawn.ts WAY`):
 *
 * | way                                           | seconds          | own group |
 * |-----------------------------------------------|------------------|-----------|
 * | `Deno.Command`, no group                      | 1.64 1.75 3.08   | no        |
 * | `Deno.Command` through `setsid` (this module) | 2.65 3.21 4.09   | yes       |
 * | `Deno.Command`, `detached: true`              | 5.2–15 (forks)   | yes       |
 * | `node:child_process` in Deno, `detached`      | 3.62 4.43 4.47   | yes       |
 * | `node:child_process` in Deno, via `setsid`    | 2.88 3.54 3.81   | yes       |
 * | two Workers spawning half each, via `setsid`  | 2.19 2.25 2.75   | yes       |
 * | ninja -j 2000 (`posix_spawn` + SETPGROUP)     | 1.09 1.79 1.89   | yes       |
 *
 * Nearly all of dagrun's time on this load is in the synchronous spawn op itself (82% of a
 * profile), so what is left is the price of the group. Workers spawning in parallel win ~25% but
 * would carry every output chunk and exit across threads; not worth it. A `sh` that made itself a
 * group leader would avoid the second exec, but no POSIX shell has such a builtin.
 *
 * @module
 */
import { directCommand } from "./direct.ts";
import { shellCommand, type ShellExit, type ShellOptions, type ShellProcess } from "./types.ts";
import { intrinsics } from "../intrinsics.ts";

const { Promise } = intrinsics;

/** The part of the Deno namespace this module uses, so it type-checks without Deno's types too. */
interface DenoApi {
  build: { os: string };
  env: { get(key: string): string | undefined };
  statSync(path: string): { isFile: boolean };
  kill(pid: number, signal: string): void;
  Command: new (cmd: string, options: Record<string, unknown>) => {
    spawn(): {
      pid: number;
      status: Promise<{ code: number; signal: string | null }>;
      stdout: ReadableStream<Uint8Array>;
      stderr: ReadableStream<Uint8Array>;
      kill(signal: string): void;
    };
  };
}

const deno = (globalThis as unknown as { Deno: DenoApi }).Deno;
let setsidPath: string | null | undefined;

function findSetsid(): string | null {
  if (deno.build.os !== "linux") return null;
  for (const dir of (deno.env.get("PATH") ?? "").split(":")) {
    try {
      if (dir && deno.statSync(`${dir}/setsid`).isFile) return `${dir}/setsid`;
    } catch { /* not in this directory */ }
  }
  return null;
}

/** Starts `command` (in a shell unless it is a simple one), in a new process group, with empty stdin. */
export function spawnShell(command: string, options: ShellOptions): ShellProcess {
  setsidPath ??= findSetsid();
  const windows = deno.build.os === "windows";
  const [program, args] = (!windows && directCommand(command, options.env?.PATH ?? deno.env.get("PATH"))) ||
    shellCommand(command, windows);
  const child = new deno.Command(setsidPath ?? program, {
    args: setsidPath ? [program, ...args] : args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    detached: !setsidPath && !windows,
    cwd: options.cwd,
    env: options.env,
  }).spawn();
  const readers = [child.stdout.getReader(), child.stderr.getReader()];
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const closed = Promise.all([
    pump(readers[0], options.onStdout, stopped),
    pump(readers[1], options.onStderr, stopped),
  ]).then(() => {});
  const exit: Promise<ShellExit> = child.status.then((s) => ({
    code: s.signal ? null : s.code,
    signal: s.signal,
  }));
  return {
    pid: child.pid,
    exit,
    closed,
    kill(signal) {
      try {
        deno.kill(windows ? child.pid : -child.pid, signal);
      } catch {
        // The group may not exist yet (setsid has not run) or any more: signal the shell itself.
        try {
          child.kill(signal);
        } catch { /* it has exited */ }
      }
    },
    stopReading() {
      stop();
      for (const r of readers) r.cancel().catch(() => {});
    },
  };
}

/** Reads until the end, waiting for the sink whenever it asks to (back-pressure) unless reading is stopped. */
async function pump(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  sink: (c: Uint8Array) => unknown,
  stopped: Promise<void>,
) {
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      const wait = sink(value);
      if (wait instanceof Promise) await Promise.race([wait, stopped]);
    }
  } catch { /* cancelled */ }
}
