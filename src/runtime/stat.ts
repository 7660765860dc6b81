/**
 * The identity of a file as the stat cache compares it, read the fastest way the runtime has:
 * on Deno, `Deno.statSync` takes a third of the time of `node:fs`'s `statSync` (100 000 stats:
 * 0.57 s against 1.88 s on a busy 2-core machine).
 *
 * @module
 */
import { statSync } from "node:fs";

/**
 * What the stat cache keeps of a file: when any of these changes, its content is read again.
 *
 * @example
 * ```ts
 * import type { FileStat } from "./stat.ts";
 * const s: FileStat = { size: 12, mtimeMs: 1764400000000, ctimeMs: 1764400000000, ino: 42 };
 * ```
 */
export interface FileStat {
  /** Size in bytes. */
  size: number;
  /** Last modification, in ms since the epoch. */
  mtimeMs: number;
  /** Last change of the inode (content, mode, links…), in ms since the epoch; 0 where unknown. */
  ctimeMs: number;
  /** Inode number; 0 where unknown. */
  ino: number;
}

interface DenoStat {
  isFile: boolean;
  size: number;
  mtime: Date | null;
  ctime: Date | null;
  ino: number | null;
}

const deno = (globalThis as unknown as { Deno?: { statSync(path: string): DenoStat } }).Deno;

/**
 * The stat of a regular file (following symlinks), or `undefined` when there is none at `path`
 * (missing, a directory, unreadable).
 *
 * @example
 * ```ts
 * import { statFile } from "./stat.ts";
 * console.log(statFile("deno.json")?.size);
 * ```
 */
export const statFile: (path: string) => FileStat | undefined = deno
  ? (path) => {
    try {
      const s = deno.statSync(path);
      if (!s.isFile) return undefined;
      return {
        size: s.size,
        mtimeMs: s.mtime?.getTime() ?? 0,
        ctimeMs: s.ctime?.getTime() ?? 0,
        ino: s.ino ?? 0,
      };
    } catch {
      return undefined;
    }
  }
  : (path) => {
    try {
      const s = statSync(path, { throwIfNoEntry: false });
      if (!s?.isFile()) return undefined;
      return { size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs, ino: s.ino };
    } catch {
      return undefined;
    }
  };
