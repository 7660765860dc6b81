/**
 * The processes of this machine as Linux's /proc shows them: what dagrun needs to tell a living
 * process from a zombie, and to find its own children and the members of a task's group.
 *
 * @module
 */
import { readdirSync, readFileSync } from "node:fs";

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
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "latin1");
    } catch {
      continue; // gone meanwhile
    }
    // After the command name in parentheses (which may hold spaces): state, ppid, pgrp.
    const [state, ppid, pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ", 3);
    yield { pid: Number(entry), state, ppid: Number(ppid), pgrp: Number(pgrp) };
  }
}
