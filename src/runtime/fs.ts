/**
 * The file system calls of every run (reading the task file, finding a program on PATH, checking
 * a task's working directory, listing /proc), made the runtime's own way: on Deno with its
 * native calls, on Node with `node:fs`. On Deno, loading `node:fs` alone costs about a third of
 * an empty `deno run` (CPU, measured beside it), which a one-task run would otherwise pay at
 * every start. The functions are taken when this module loads: a snippet that replaces
 * `Deno.readFile` cannot break dagrun.
 *
 * @module
 */
import { openLibc } from "../spawn/libc.ts";

/** The slice of the Deno namespace this module uses, so it type-checks without Deno's types too. */
interface DenoFs {
  readFile(path: string): Promise<Uint8Array>;
  readTextFile(path: string): Promise<string>;
  readTextFileSync(path: string): string;
  readDirSync(path: string): Iterable<{ name: string }>;
  statSync(
    path: string,
  ): { isFile: boolean; isDirectory: boolean; mode: number | null; uid: number | null; gid: number | null };
  uid(): number | null;
  gid(): number | null;
}

const deno = (globalThis as unknown as { Deno?: DenoFs }).Deno;
const nodeFs = deno ? undefined : await import("node:fs");
const taken = deno && {
  readFile: deno.readFile,
  readTextFile: deno.readTextFile,
  readTextFileSync: deno.readTextFileSync,
  readDirSync: deno.readDirSync,
  statSync: deno.statSync,
  uid: deno.uid,
  gid: deno.gid,
};

/** `access(2)`'s mode for "may execute". */
const X_OK = 1;

/**
 * A file's text, decoded as UTF-8 leniently (a bad byte becomes U+FFFD). Rejects with the
 * system's error (`code` `ENOENT`, `EISDIR`…) when it cannot be read.
 *
 * @example
 * ```ts
 * import { readTextFile } from "./fs.ts";
 * console.log((await readTextFile("deno.json")).length > 0); // true
 * ```
 */
export function readTextFile(path: string): Promise<string> {
  return taken ? taken.readTextFile(path) : nodeFs!.promises.readFile(path, "utf8");
}

/**
 * A file's bytes. Rejects like {@linkcode readTextFile}.
 *
 * @example
 * ```ts
 * import { readBytes } from "./fs.ts";
 * console.log((await readBytes("deno.json"))[0]); // 123, "{"
 * ```
 */
export function readBytes(path: string): Promise<Uint8Array> {
  return taken ? taken.readFile(path) : nodeFs!.promises.readFile(path);
}

/**
 * A small file's text, read at once (for /proc's files, whose size stat does not know). Throws
 * the system's error.
 *
 * @example
 * ```ts
 * import { readSmallTextSync } from "./fs.ts";
 * console.log(readSmallTextSync("/proc/self/stat").split(" ")[0]); // this process's pid
 * ```
 */
export function readSmallTextSync(path: string): string {
  return taken ? taken.readTextFileSync(path) : nodeFs!.readFileSync(path, "latin1");
}

/**
 * The names in a folder. Throws the system's error.
 *
 * @example
 * ```ts
 * import { folderNames } from "./fs.ts";
 * console.log(folderNames("src").includes("runtime")); // true
 * ```
 */
export function folderNames(path: string): string[] {
  if (!taken) return nodeFs!.readdirSync(path);
  return Array.from(taken.readDirSync(path), (entry) => entry.name);
}

/**
 * What is at `path`, following symbolic links: `"file"`, `"directory"`, `"other"` (a device, a
 * socket…), or `undefined` when there is nothing there or it cannot be reached.
 *
 * @example
 * ```ts
 * import { pathKind } from "./fs.ts";
 * console.log(pathKind("src"), pathKind("deno.json"), pathKind("no such")); // directory file undefined
 * ```
 */
export function pathKind(path: string): "file" | "directory" | "other" | undefined {
  try {
    if (taken) {
      const s = taken.statSync(path);
      return s.isFile ? "file" : s.isDirectory ? "directory" : "other";
    }
    const s = nodeFs!.statSync(path);
    return s.isFile() ? "file" : s.isDirectory() ? "directory" : "other";
  } catch {
    return undefined;
  }
}

/**
 * Whether this process may execute the file at `path`, as `access(path, X_OK)` says: on Deno
 * through libc when the FFI is allowed; without it, from the file's mode, owner and group, as
 * Deno's `node:fs` `accessSync` does (a file executable only through a supplementary group, or
 * anything when reading the uid is not allowed, counts as not executable: a caller that then
 * runs it through the shell loses nothing but speed).
 *
 * @example
 * ```ts
 * import { mayExecute } from "./fs.ts";
 * console.log(mayExecute("/bin/sh"), mayExecute("deno.json")); // true false
 * ```
 */
export function mayExecute(path: string): boolean {
  if (!taken) {
    try {
      nodeFs!.accessSync(path, X_OK);
      return true;
    } catch {
      return false;
    }
  }
  const libc = openLibc();
  if (typeof libc !== "string") return libc.fn.access(libc.cString(path), X_OK) === 0;
  try {
    const { mode, uid, gid } = taken.statSync(path);
    if (mode === null) return false;
    const me = taken.uid();
    if (me === 0) return (mode & 0o111) !== 0;
    if (uid === me) return (mode & 0o100) !== 0;
    if (gid === taken.gid()) return (mode & 0o010) !== 0;
    return (mode & 0o001) !== 0;
  } catch {
    return false;
  }
}
