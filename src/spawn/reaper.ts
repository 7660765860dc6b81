/**
 * Catching the processes that leave their task's process group (`setsid sleep 100 &`, a daemon
 * that double-forks with `setsid`). On Linux, under Deno with FFI permission, dagrun makes itself
 * a child subreaper (`prctl(PR_SET_CHILD_SUBREAPER)`): a process whose parent dies is then
 * adopted by dagrun instead of by init, wherever its session or group. When the run has ended,
 * every child dagrun has left is such an adopted orphan (dagrun's own children, the tasks'
 * shells, have all been reaped by then): {@linkcode stopAdopted} stops them and their groups, as
 * leftover groups are stopped (SIGTERM, SIGKILL after the grace), and reaps them. Elsewhere (Node,
 * macOS, no FFI permission) nothing changes: such processes are not contained (see "Interrupting" in docs/cli.md).
 *
 * @module
 */
import process from "node:process";
import { intrinsics } from "../intrinsics.ts";
import { childrenOf, processes, procStat } from "./proc.ts";

const { Promise, setTimeout } = intrinsics;

/** The part of Deno's FFI this module uses, so it type-checks without Deno's types too. */
interface DenoFfi {
  build: { os: string };
  permissions: { querySync(descriptor: { name: "ffi" }): { state: string } };
  dlopen(path: string, symbols: Record<string, unknown>): {
    symbols: {
      prctl(option: number, a: bigint, b: bigint, c: bigint, d: bigint): number;
      waitpid(pid: number, status: Uint8Array, options: number): number;
    };
  };
}

const PR_SET_CHILD_SUBREAPER = 36;
const WNOHANG = 1;

let libc: ReturnType<DenoFfi["dlopen"]>["symbols"] | undefined;

/**
 * Makes this process a child subreaper, where it can be (Linux, Deno, FFI allowed); returns
 * whether it is one. Calling it again does nothing more.
 *
 * @example
 * ```ts
 * import { becomeSubreaper } from "./reaper.ts";
 * console.log(becomeSubreaper()); // true on Linux under `deno run -A`
 * ```
 */
export function becomeSubreaper(): boolean {
  if (libc) return true;
  const deno = (globalThis as unknown as { Deno?: DenoFfi }).Deno;
  if (deno?.build.os !== "linux") return false;
  try {
    if (deno.permissions.querySync({ name: "ffi" }).state !== "granted") return false;
    const lib = deno.dlopen("libc.so.6", {
      prctl: { parameters: ["i32", "u64", "u64", "u64", "u64"], result: "i32" },
      waitpid: { parameters: ["i32", "buffer", "i32"], result: "i32" },
    }).symbols;
    if (lib.prctl(PR_SET_CHILD_SUBREAPER, 1n, 0n, 0n, 0n) !== 0) return false;
    libc = lib;
    return true;
  } catch {
    return false; // no glibc, or FFI unavailable
  }
}

/**
 * Stops every process this subreaper has adopted, with its group: SIGTERM, then SIGKILL to those
 * left after `graceMs` (orphans of the stopped ones, adopted meanwhile, included), and reaps them.
 * Call it only when none of this process's own children may still run. Returns the pids stopped.
 *
 * @example
 * ```ts
 * import { becomeSubreaper, stopAdopted } from "./reaper.ts";
 * if (becomeSubreaper()) console.log(await stopAdopted(2000)); // []
 * ```
 */
export async function stopAdopted(graceMs: number): Promise<number[]> {
  if (!libc) return [];
  const signalled = new Set<number>();
  const killAt = Date.now() + graceMs;
  // A bound in case something keeps being adopted: the grace, then a little for SIGKILL to land.
  const giveUpAt = killAt + 2000;
  const status = new Uint8Array(4);
  for (;;) {
    const living: number[] = [];
    for (const [pid, zombie] of children()) {
      if (zombie) libc.waitpid(pid, status, WNOHANG);
      else living.push(pid);
    }
    if (!living.length || Date.now() > giveUpAt) return [...signalled];
    const now = Date.now();
    for (const pid of living) {
      if (now >= killAt) signal(pid, "SIGKILL");
      else if (!signalled.has(pid)) signal(pid, "SIGTERM");
      signalled.add(pid);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** This process's children, from /proc: pid, and whether it is a zombie. */
function children(): [number, boolean][] {
  const pids = childrenOf(process.pid);
  const stats = pids
    ? pids.map(procStat).filter((p) => p !== undefined)
    : [...processes()].filter((p) => p.ppid === process.pid);
  return stats.map((p) => [p.pid, p.state === "Z"]);
}

/** Signals `pid`'s group when it leads one (an escapee made by `setsid` does), and `pid` itself. */
function signal(pid: number, name: "SIGTERM" | "SIGKILL"): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, name);
    } catch { /* no such group, or gone */ }
  }
}
