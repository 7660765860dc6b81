/**
 * The contract of the spawn module: a shell command in its own process group, its output as
 * chunks, and a kill that reaches the whole group.
 *
 * @module
 */

/**
 * What `spawnShell` needs besides the command.
 *
 * Back-pressure: when `onStdout` (or `onStderr`) returns a `Promise` (any other value means
 * nothing), the spawner reads that pipe no
 * more, and calls that sink no more, until the promise settles; the other pipe is independent.
 * The child then blocks on a full pipe, as under make, instead of dagrun holding its output. A
 * sink's promise never rejects. `stopReading()` ends the reading even while a promise is pending.
 */
export interface ShellOptions {
  /** Receives stdout bytes as they come; a returned `Promise` pauses the pipe until it settles. */
  onStdout(chunk: Uint8Array): unknown;
  /** Receives stderr bytes as they come; a returned `Promise` pauses the pipe until it settles. */
  onStderr(chunk: Uint8Array): unknown;
  /** Working directory. Default: dagrun's. */
  cwd?: string;
  /** Variables merged over dagrun's environment. Default: none. */
  env?: Record<string, string>;
}

/** How the shell itself ended: an exit code, or the signal that killed it. */
export interface ShellExit {
  code: number | null;
  signal: string | null;
}

/**
 * A running shell command. Its stdin is empty; it leads its own process group.
 *
 * @example
 * ```ts
 * import { spawnShell } from "./mod.ts";
 * const p = spawnShell("echo hi", { onStdout: (c) => console.log(c.length), onStderr: () => {} });
 * console.log(await p.exit, await p.closed);
 * ```
 */
export interface ShellProcess {
  readonly pid: number;
  /** Settles when the shell exits (its output may still be arriving). */
  readonly exit: Promise<ShellExit>;
  /** Settles when stdout and stderr have both ended, or reading was stopped. */
  readonly closed: Promise<void>;
  /** Signals every process of the group; a group that is gone already is no error. */
  kill(signal: "SIGTERM" | "SIGKILL"): void;
  /** Stops reading output; `closed` then settles. */
  stopReading(): void;
}

/** The shell and its arguments for this platform. */
export function shellCommand(command: string, windows: boolean): [string, string[]] {
  return windows ? ["cmd.exe", ["/d", "/s", "/c", command]] : ["sh", ["-c", command]];
}
