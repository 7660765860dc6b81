/**
 * The files a task's glob patterns match, remembered with the stat of every folder the glob
 * listed to find them, as git's untracked cache does. While none of those folders changed (no
 * entry added, removed or renamed, which always changes a folder's mtime and ctime), the patterns
 * match the same files, so a run with nothing to do stats a folder instead of listing it and
 * matching each entry. The matching itself stays tinyglobby's: the cache only replays a result
 * the library gave for the same folders.
 *
 * @module
 */
import { type Dirent, readdirSync } from "node:fs";
import { globSync } from "../deps/tinyglobby.ts";
import { statSignature } from "../runtime/stat.ts";
import { RACY_MS } from "./file_hashes.ts";
import { readTable, writeTable } from "./table_file.ts";

/**
 * The cache file: this line, then a line per expansion, `KEY<TAB>{"folders":[[PATH,
 * SIGNATURE],…],"files":[…]}` with KEY the JSON of `[cwd, patterns, ignore]`. The part after the
 * tab is parsed only when its key is looked up.
 */
const HEADER = "dagrun globs 1";

/** What an expansion found, and the folders it listed (each with its stat signature then). */
interface Entry {
  folders: [path: string, signature: string][];
  files: string[];
}

/**
 * Expands glob patterns (tinyglobby: files only, dotfiles only when named), answering from the
 * cache when no folder the last expansion listed has changed since.
 *
 * @example
 * ```ts
 * import { GlobCache } from "./glob_cache.ts";
 * const globs = new GlobCache();
 * console.log(globs.expand(".", ["src/*.ts"], [])); // ["src/cli.ts", …], sorted
 * ```
 */
export class GlobCache {
  /** Entries read from the file stay text until their key is looked up. */
  readonly #entries: Map<string, Entry | string>;
  #changed = false;
  /** Expansions that listed folders (not answered from the cache) since this object was made. */
  globbed = 0;

  /** A cache holding `entries` (from {@linkcode GlobCache.load}); empty by default. */
  constructor(entries: Map<string, Entry | string> = new Map()) {
    this.#entries = entries;
  }

  /**
   * Reads the cache file at `path`. A missing file gives an empty cache; a damaged or foreign one
   * too, after `warn` was called with why.
   */
  static load(path: string, warn: (message: string) => void): GlobCache {
    return new GlobCache(readTable(path, { header: HEADER, warn, cost: "every folder is listed again" }));
  }

  /**
   * The files `patterns` match under `cwd` (an absolute path), relative to it and sorted, leaving
   * out what `ignore` matches. Do not change the array: it may be the cache's.
   */
  expand(cwd: string, patterns: string[], ignore: string[]): readonly string[] {
    const key = JSON.stringify([cwd, patterns, ignore]);
    const cached = this.#entry(key);
    if (
      cached && cached.folders.every(([folder, signature]) => statSignature(folder).signature === signature)
    ) {
      return cached.files;
    }
    this.globbed++;
    // Taken before any folder is read: a folder that changed less than RACY_MS before it could
    // change again within the same timestamp tick without its stat showing it.
    const now = Date.now();
    const folders: Entry["folders"] = [];
    let trusted = true;
    const fs = {
      readdirSync(folder: string, options: { withFileTypes: true }): Dirent[] {
        const { signature, mtimeMs } = statSignature(folder);
        folders.push([folder, signature]);
        if (now - mtimeMs < RACY_MS) trusted = false;
        const entries = readdirSync(folder, options);
        // What a symlink leads to can change without any folder listed here changing.
        if (entries.some((e) => e.isSymbolicLink())) trusted = false;
        return entries;
      },
    };
    const files = globSync(patterns, { cwd, onlyFiles: true, ignore, fs: fs as never }).sort();
    if (trusted) this.#entries.set(key, { folders, files });
    else this.#entries.delete(key);
    this.#changed = true;
    return files;
  }

  /** Writes the cache to `path` (temporary file, then rename) if any expansion listed folders. */
  save(path: string): void {
    if (!this.#changed) return;
    writeTable(path, HEADER, this.#lines());
    this.#changed = false;
  }

  /** The cache's lines as they are written: each key with its entry as text. */
  *#lines(): Generator<[string, string]> {
    for (const [key, entry] of this.#entries) {
      yield [key, typeof entry === "string" ? entry : JSON.stringify(entry)];
    }
  }

  /** The entry of `key`, its text parsed on first use; a malformed one is no entry. */
  #entry(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (typeof entry !== "string") return entry;
    try {
      const parsed = JSON.parse(entry);
      if (isEntry(parsed)) {
        this.#entries.set(key, parsed);
        return parsed;
      }
    } catch { /* below */ }
    this.#entries.delete(key);
    return undefined;
  }
}

function isEntry(value: { folders?: unknown; files?: unknown }): value is Entry {
  return Array.isArray(value?.folders) && Array.isArray(value.files) &&
    value.folders.every((f) => Array.isArray(f) && typeof f[0] === "string" && typeof f[1] === "string") &&
    value.files.every((f) => typeof f === "string");
}
