/**
 * The one place that knows which runtime dagrun is on: it picks the way to spawn. Node uses
 * `node:child_process`. Deno on Linux uses `posix_spawn` through the FFI (`ffi.ts`) when it is
 * available and passes its self-test, `Deno.Command` otherwise. `DAGRUN_SPAWN=ffi` or
 * `DAGRUN_SPAWN=default` forces one of the two on Deno.
 *
 * @module
 */
import { spawnShell as denoSpawn } from "./deno.ts";
import { spawnShell as nodeSpawn } from "./node.ts";
import type { ShellOptions, ShellProcess } from "./types.ts";
import process from "node:process";

export type { ShellExit, ShellOptions, ShellProcess } from "./types.ts";

/** The environment variable that forces a spawn path: `ffi` or `default`. */
export const SPAWN_ENV = "DAGRUN_SPAWN";

/** Which way dagrun spawns, and why. */
export interface SpawnChoice {
  /** `ffi`: `posix_spawn` through Deno's FFI; `deno`: `Deno.Command`; `node`: `node:child_process`. */
  path: "ffi" | "deno" | "node";
  /** Why this path, in words fit to print. */
  reason: string;
}

const isDeno = "Deno" in globalThis;
let current: (command: string, options: ShellOptions) => ShellProcess = isDeno ? denoSpawn : nodeSpawn;
let chosen: Promise<SpawnChoice> | undefined;

/**
 * Picks the spawn path, once: later calls return the same choice. Until it has settled,
 * {@linkcode spawnShell} takes the default path. Rejects when `DAGRUN_SPAWN` names an unknown
 * path, or forces `ffi` where it cannot run (the reason is in the message).
 *
 * @example
 * ```ts
 * import { chooseSpawn } from "./mod.ts";
 * console.log(await chooseSpawn()); // e.g. { path: "ffi", reason: "Linux, glibc 2.36, self-test passed" }
 * ```
 */
export function chooseSpawn(): Promise<SpawnChoice> {
  return chosen ??= choose();
}

async function choose(): Promise<SpawnChoice> {
  const forced = readEnv(SPAWN_ENV);
  if (forced !== undefined && forced !== "ffi" && forced !== "default") {
    throw new Error(`${SPAWN_ENV} must be "ffi" or "default", not "${forced}"`);
  }
  if (!isDeno) {
    if (forced === "ffi") throw new Error(`${SPAWN_ENV}=ffi: the FFI spawn needs Deno, this is Node`);
    return { path: "node", reason: "Node: node:child_process" };
  }
  if (forced === "default") return { path: "deno", reason: `${SPAWN_ENV}=default` };
  if (process.platform !== "linux") return { path: "deno", reason: `not Linux (${process.platform})` };
  // Loaded only here, so that a start on another system or path pays nothing for it.
  const { loadFfiSpawn } = await import("./ffi.ts");
  const ffi = await loadFfiSpawn();
  if (typeof ffi === "string") {
    if (forced) throw new Error(`${SPAWN_ENV}=ffi, but the FFI spawn cannot be used: ${ffi}`);
    return { path: "deno", reason: ffi };
  }
  current = ffi;
  return { path: "ffi", reason: forced ? `${SPAWN_ENV}=ffi` : "Linux with glibc, self-test passed" };
}

/** An environment variable, or `undefined` when it is empty or unset or cannot be read (no --allow-env). */
function readEnv(name: string): string | undefined {
  try {
    return process.env[name] || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts `command` in the platform's shell, as the leader of a new process group, with empty
 * stdin and piped output, the way {@linkcode chooseSpawn} picked.
 *
 * @example
 * ```ts
 * import { chooseSpawn, spawnShell } from "./mod.ts";
 * await chooseSpawn();
 * const p = spawnShell("echo hi", { onStdout: () => {}, onStderr: () => {} });
 * console.log((await p.exit).code); // 0
 * ```
 */
export function spawnShell(command: string, options: ShellOptions): ShellProcess {
  return current(command, options);
}
