/**
 * Content hashes of files, kept with each file's stat (size, mtime, ctime, inode) so that a file
 * whose stat has not changed is not read again, as git's index does. The cache is a plain file
 * in the state folder, written atomically at the end of a run; losing it costs only re-reading.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { closeSync, openSync, readFileSync, readSync } from "node:fs";
import { type FileStat, statFile } from "../runtime/stat.ts";
import { jsonKey, readTable, writeTable } from "./table_file.ts";

/**
 * A file modified less than this long before it was hashed may change again within the same
 * timestamp tick (1 s on some file systems) without its stat showing it: such a hash is kept but
 * not trusted, so the next run reads the file again (git's "racily clean" entries).
 */
export const RACY_MS = 1000;

/** Files up to this size are read whole; bigger ones in chunks of it, so memory stays flat. */
const CHUNK = 4 * 1024 * 1024;

/** A cached hash: the stat it was taken with, the hash, and when it was taken (ms since the epoch). */
type Entry = [size: number, mtimeMs: number, ctimeMs: number, ino: number, hash: string, hashedAtMs: number];

/**
 * The cache file: this line, then a line per file, `"KEY"<TAB>SIZE MTIME CTIME INO HASHED_AT HASH`
 * with the key as a JSON string. Plain lines rather than one JSON document: 100 000 entries load
 * in a fraction of the time (an entry's fields are only split when that file is looked up).
 */
const HEADER = "dagrun file-hashes 2";

/**
 * Hashes files by content (SHA-256, base64), reading only those whose stat changed since the
 * hash in the cache was taken.
 *
 * @example
 * ```ts
 * import { FileHashes } from "./file_hashes.ts";
 * const hashes = new FileHashes();
 * console.log(hashes.hash("deno.json", "deno.json")); // "q1w…=" (44 characters)
 * ```
 */
export class FileHashes {
  /** Entries read from the file stay text until their file is looked up. */
  readonly #entries: Map<string, Entry | string>;
  #changed = false;
  /** Files read and hashed (not answered from the cache) since this object was made. */
  hashedFiles = 0;
  /** Bytes read and hashed since this object was made. */
  hashedBytes = 0;

  /** A cache holding `entries` (from {@linkcode FileHashes.load}); empty by default. */
  constructor(entries: Map<string, Entry | string> = new Map()) {
    this.#entries = entries;
  }

  /**
   * Reads the cache file at `path`. A missing file gives an empty cache; a damaged or foreign one
   * too, after `warn` was called with why.
   */
  static load(path: string, warn: (message: string) => void): FileHashes {
    const entries = readTable(path, {
      header: HEADER,
      warn,
      cost: "every input is read again",
      key: jsonKey,
    });
    return new FileHashes(entries);
  }

  /**
   * The content hash of the file at `path` (read through `key` in the cache), or `undefined`
   * when there is no regular file there.
   */
  hash(path: string, key: string): string | undefined {
    return this.hashStat(path, key, statFile(path));
  }

  /**
   * As {@linkcode FileHashes.hash}, with the file's stat already taken (`undefined`: no file):
   * the hash is that of the content the stat describes, or of a later one.
   */
  hashStat(path: string, key: string, stat: FileStat | undefined): string | undefined {
    if (!stat) return undefined;
    const cached = this.#entries.get(key);
    if (typeof cached === "string") {
      // Straight from the file's text, without splitting it: the common case of a run with
      // nothing to do, 100 000 times.
      const prefix = `${stat.size} ${stat.mtimeMs} ${stat.ctimeMs} ${stat.ino} `;
      if (cached.startsWith(prefix)) {
        const space = cached.indexOf(" ", prefix.length);
        if (Number(cached.slice(prefix.length, space)) - stat.mtimeMs >= RACY_MS) {
          return cached.slice(space + 1);
        }
      }
    }
    const entry = this.#entry(key);
    if (entry && sameStat(entry, stat) && entry[5] - stat.mtimeMs >= RACY_MS) return entry[4];
    const now = Date.now();
    const hash = hashFile(path, stat.size);
    if (hash === undefined) return undefined;
    this.hashedFiles++;
    this.hashedBytes += stat.size;
    this.#entries.set(key, [stat.size, stat.mtimeMs, stat.ctimeMs, stat.ino, hash, now]);
    this.#changed = true;
    return hash;
  }

  /**
   * True when the file at `path` (key `key`) is not what it was when last hashed: its content
   * differs, it appeared, or it was removed. A file never hashed counts as changed when it exists.
   */
  changed(path: string, key: string): boolean {
    const before = this.#entry(key)?.[4];
    return this.hash(path, key) !== before;
  }

  /** Writes the cache to `path` (temporary file, then rename) if anything was hashed. */
  save(path: string): void {
    if (!this.#changed) return;
    writeTable(path, HEADER, this.#lines());
    this.#changed = false;
  }

  /** The cache's lines as they are written: each key as a JSON string with its entry as text. */
  *#lines(): Generator<[string, string]> {
    for (const [key, entry] of this.#entries) {
      yield [JSON.stringify(key), typeof entry === "string" ? entry : formatEntry(entry)];
    }
  }

  /** The entry of `key`, its text split on first use; a malformed one is no entry. */
  #entry(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (typeof entry !== "string") return entry;
    const fields = entry.split(" ");
    const numbers = fields.slice(0, 5).map(Number);
    if (fields.length !== 6 || numbers.some((n) => !Number.isFinite(n))) {
      this.#entries.delete(key);
      return undefined;
    }
    const [size, mtimeMs, ctimeMs, ino, hashedAtMs] = numbers;
    const parsed: Entry = [size, mtimeMs, ctimeMs, ino, fields[5], hashedAtMs];
    this.#entries.set(key, parsed);
    return parsed;
  }
}

function formatEntry([size, mtimeMs, ctimeMs, ino, hash, hashedAtMs]: Entry): string {
  return `${size} ${mtimeMs} ${ctimeMs} ${ino} ${hashedAtMs} ${hash}`;
}

function sameStat(entry: Entry, stat: FileStat): boolean {
  return entry[0] === stat.size && entry[1] === stat.mtimeMs && entry[2] === stat.ctimeMs &&
    entry[3] === stat.ino;
}

/**
 * SHA-256 of a file's content, base64; `undefined` when it cannot be read (removed meanwhile).
 *
 * @example
 * ```ts
 * import { hashFile } from "./file_hashes.ts";
 * console.log(hashFile("deno.json"));
 * ```
 */
export function hashFile(path: string, size = 0): string | undefined {
  try {
    const hash = createHash("sha256");
    if (size <= CHUNK) return hash.update(readFileSync(path)).digest("base64");
    const fd = openSync(path, "r");
    try {
      const buffer = new Uint8Array(CHUNK);
      for (let n; (n = readSync(fd, buffer, 0, CHUNK, null)) > 0;) hash.update(buffer.subarray(0, n));
    } finally {
      closeSync(fd);
    }
    return hash.digest("base64");
  } catch {
    return undefined;
  }
}

/**
 * SHA-256 of a string, base64: how fingerprints and their parts are condensed.
 *
 * @example
 * ```ts
 * import { hashText } from "./file_hashes.ts";
 * hashText("make all"); // 44 characters
 * ```
 */
export function hashText(text: string): string {
  return createHash("sha256").update(text).digest("base64");
}
