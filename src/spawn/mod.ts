/**
 * The one place that knows which runtime dagrun is on: it picks the Deno or the Node way to spawn.
 *
 * @module
 */
import { spawnShell as denoSpawn } from "./deno.ts";
import { spawnShell as nodeSpawn } from "./node.ts";
import type { ShellOptions, ShellProcess } from "./types.ts";

export type { ShellExit, ShellOptions, ShellProcess } from "./types.ts";

/**
 * Starts `command` in the platform's shell, as the leader of a new process group, with empty
 * stdin and piped output.
 *
 * @example
 * ```ts
 * import { spawnShell } from "./mod.ts";
 * const p = spawnShell("echo hi", { onStdout: () => {}, onStderr: () => {} });
 * console.log((await p.exit).code); // 0
 * ```
 */
export const spawnShell: (command: string, options: ShellOptions) => ShellProcess = "Deno" in globalThis
  ? denoSpawn
  : nodeSpawn;
