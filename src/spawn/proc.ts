/**
 * The processes of this machine as Linux's /proc shows them: what dagrun needs to tell a living
 * process from a zombie, and to find its own children and the members of a task's group.
 *
 * @module
 */
import { folderNames, readSmallTextSync } from "../runtime/fs.ts";

/** One process's fields from `/proc/PID/stat` that dagrun reads. */
export interface ProcStat {
  /** Its process id. */
  pid: number;
  /** Its state letter: `R`, `S`, `D`, `T`… and `Z` for a zombie, dead and waiting to be reaped. */
  state: string;
  /** Its parent's process id. */
  ppid: number;
  /** Its process group id. */
  pgrp: number;
}

/**
 * Every process in /proc, read one after the other; a process gone meanwhile is left out.
 *
 * @throws when /proc cannot be listed (not Linux, or not mounted).
 * @example
 * ```ts
 * import { processes } from "./proc.ts";
 * const zombies = [...processes()].filter((p) => p.state === "Z").length;
 * ```
 */
export function* processes(): Generator<ProcStat> {
  for (const entry of folderNames("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(Number(entry));
    if (stat) yield stat;
  }
}

/**
 * One process's fields from `/proc/PID/stat`, or `undefined` when it is gone.
 *
 * @example
 * ```ts
 * import { procStat } from "./proc.ts";
 * console.log(procStat(1)?.ppid); // 0
 * ```
 */
export function procStat(pid: number): ProcStat | undefined {
  let stat: string;
  try {
    stat = readSmallTextSync(`/proc/${pid}/stat`);
  } catch {
    return undefined;
  }
  // After the command name in parentheses (which may hold spaces): state, ppid, pgrp.
  const [state, ppid, pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ", 3);
  return { pid, state, ppid: Number(ppid), pgrp: Number(pgrp) };
}

/**
 * The children of process `pid`, from each of its threads' `/proc/PID/task/TID/children`: a file
 * per thread, where {@linkcode processes} reads one per process of the machine (65 here, hundreds
 * on a desktop; about 4 ms against 0.2 at the end of every run). `undefined` where the kernel has
 * no such files (built without `CONFIG_PROC_CHILDREN`): ask {@linkcode processes} then.
 *
 * @example
 * ```ts
 * import { childrenOf } from "./proc.ts";
 * console.log(childrenOf(1)?.length);
 * ```
 */
export function childrenOf(pid: number): number[] | undefined {
  const read = (tid: string) => readSmallTextSync(`/proc/${pid}/task/${tid}/children`);
  let main: string;
  try {
    main = read(String(pid));
  } catch {
    return undefined;
  }
  const lists = [main];
  for (const tid of folderNames(`/proc/${pid}/task`)) {
    if (tid === String(pid)) continue;
    try {
      lists.push(read(tid));
    } catch { /* the thread ended meanwhile */ }
  }
  return lists.join(" ").split(" ").filter((p) => p !== "").map(Number);
}
