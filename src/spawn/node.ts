/**
 * Spawning on Node, with `node:child_process`. `detached: true` makes the shell the leader of a
 * new process group (and session) at no measurable cost on Node.
 *
 * @module
 */
import { spawn } from "node:child_process";
import process from "node:process";
import { directCommand } from "./direct.ts";
import { shellCommand, type ShellExit, type ShellOptions, type ShellProcess } from "./types.ts";
import { intrinsics } from "../intrinsics.ts";

const { Promise } = intrinsics;

/** Starts `command` (in a shell unless it is a simple one), in a new process group, with empty stdin. */
export function spawnShell(command: string, options: ShellOptions): ShellProcess {
  const windows = process.platform === "win32";
  const [program, args] = (!windows && directCommand(command, options.env?.PATH ?? process.env.PATH)) ||
    shellCommand(command, windows);
  const child = spawn(program, args, {
    stdio: ["ignore", "pipe", "pipe"],
    detached: !windows,
    windowsVerbatimArguments: windows,
    cwd: options.cwd,
    env: options.env ? { ...process.env, ...options.env } : undefined,
  });
  // A spawn the system refused (EMFILE, EAGAIN) may have no pipes: there is nothing to read then.
  const ended = (stream: NodeJS.ReadableStream | null, sink: (c: Uint8Array) => unknown) =>
    new Promise<void>((resolve) => {
      if (!stream) return resolve();
      stream.on("data", (chunk: Uint8Array) => {
        const wait = sink(chunk);
        if (!(wait instanceof Promise)) return;
        // Back-pressure: no more reads from this pipe until the sink has taken the chunk.
        stream.pause();
        wait.then(() => stream.resume());
      });
      stream.once("end", resolve);
      stream.once("close", resolve);
      stream.once("error", () => resolve());
    });
  const closed = Promise.all([ended(child.stdout, options.onStdout), ended(child.stderr, options.onStderr)])
    .then(() => {});
  const exit = new Promise<ShellExit>((resolve, reject) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
    child.once("error", reject);
  });
  return {
    pid: child.pid ?? -1,
    exit,
    closed,
    kill(signal) {
      if (child.pid === undefined) return;
      try {
        process.kill(windows ? child.pid : -child.pid, signal);
      } catch { /* the group is gone */ }
    },
    stopReading() {
      child.stdout?.destroy();
      child.stderr?.destroy();
    },
  };
}
