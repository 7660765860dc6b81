/**
 * Spawning on Node, with `node:child_process`. `detached: true` makes the shell the leader of a
 * new process group (and session) at no measurable cost on Node.
 *
 * @module
 */
import { spawn } from "node:child_process";
import process from "node:process";
import type { Readable } from "node:stream";
import { directCommand } from "./direct.ts";
import { shellCommand, type ShellExit, type ShellOptions, type ShellProcess } from "./types.ts";
import { intrinsics } from "../intrinsics.ts";

const { Promise } = intrinsics;

/** The pipe's libuv handle (Node's internals, as `net.Socket`'s own pause for `onread` uses them). */
interface PipeHandle {
  reading: boolean;
  readStop(): number;
  readStart(): number;
}

/**
 * Stops reading a child's pipe. `pause()` alone lets Node go on reading into the stream's buffer
 * (up to its high-water mark plus one 64 KiB read), for every paused pipe: the handle is stopped too.
 */
function pausePipe(stream: Readable): void {
  stream.pause();
  const handle = (stream as unknown as { _handle?: PipeHandle })._handle;
  if (handle?.reading && typeof handle.readStop === "function") {
    handle.reading = false;
    handle.readStop();
  }
}

function resumePipe(stream: Readable): void {
  const handle = (stream as unknown as { _handle?: PipeHandle })._handle;
  if (handle && !handle.reading && typeof handle.readStart === "function" && !stream.destroyed) {
    handle.reading = true;
    handle.readStart();
  }
  stream.resume();
}

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
  const gate = options.gate;
  // A spawn the system refused (EMFILE, EAGAIN) may have no pipes: there is nothing to read then.
  const ended = (stream: Readable | null, sink: (c: Uint8Array) => unknown) =>
    new Promise<void>((resolve) => {
      if (!stream) return resolve();
      // Back-pressure: no more reads from this pipe until every promise it waits for has settled.
      let holds = 0;
      const hold = (wait: Promise<unknown> | undefined) => {
        if (!wait) return;
        if (holds++ === 0) pausePipe(stream);
        wait.then(() => {
          if (--holds === 0) resumePipe(stream);
        });
      };
      // Node reads a pipe as soon as data comes, so a closed gate must stop it before then.
      const offClose = gate?.onClose(() => hold(gate.wait()));
      // Node resumes a child's pipes when the child exits (child_process's flushStdio), held back
      // or not: a held pipe is paused again before any of what waits in it is read.
      stream.on("resume", () => {
        if (holds > 0) pausePipe(stream);
      });
      stream.on("data", (chunk: Uint8Array) => {
        const wait = sink(chunk);
        if (wait instanceof Promise) hold(wait);
        hold(gate?.wait());
      });
      const done = () => {
        offClose?.();
        resolve();
      };
      stream.once("end", done);
      stream.once("close", done);
      stream.once("error", done);
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
