/**
 * Per task, one line that stands for a whole set of files: the digest of their stats (path, size,
 * mtime, ctime, inode) as they were when their content hashes were last combined, with that
 * combined hash. While every stat is the same, so is every content, so a run with nothing to do
 * checks a task's 100 inputs with 100 stats and one comparison, without the per-file hash cache.
 * A set with a file modified within the racy second of its stat is never kept (see `RACY_MS`).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { RACY_MS } from "./file_hashes.ts";
import { jsonKey, readTable, writeTable } from "./table_file.ts";

/** The first line; then a line per set, `KEY<TAB>DIGEST HASH`, with KEY a JSON string. */
const HEADER = "dagrun stat-digests 1";

/**
 * The digest (SHA-256, base64) of `files` (relative to `dir`) with their stats, four numbers each
 * in `stats` (size, mtime, ctime, inode; a size of -1 for a file that is not there), and whether
 * it can be trusted: every file is there and was modified over `RACY_MS` before now. Hashing the
 * numbers' bytes, not their text, spares 100 000 number-to-text conversions a run.
 *
 * @example
 * ```ts
 * import { digestStats } from "./stat_digests.ts";
 * const { value, trusted } = digestStats("/project", ["a.txt"], new Float64Array([1, 0, 0, 7]));
 * console.log(trusted, value.length); // true 44
 * ```
 */
export function digestStats(
  dir: string,
  files: readonly string[],
  stats: Float64Array,
): { value: string; trusted: boolean } {
  const before = Date.now() - RACY_MS;
  let trusted = true;
  for (let at = 0; at < stats.length && trusted; at += 4) trusted = stats[at] >= 0 && stats[at + 1] <= before;
  const value = createHash("sha256").update(`${dir}\0${files.join("\0")}`)
    .update(new Uint8Array(stats.buffer, stats.byteOffset, stats.byteLength)).digest("base64");
  return { value, trusted };
}

/**
 * The kept digests, by key, each with the combined hash of the files' contents it stands for.
 *
 * @example
 * ```ts
 * import { StatDigests } from "./stat_digests.ts";
 * const digests = new StatDigests();
 * digests.set("in build", "digest…", "hash…");
 * console.log(digests.get("in build", "digest…")); // "hash…"
 * ```
 */
export class StatDigests {
  /** By the key as JSON text: `DIGEST HASH`. */
  readonly #entries: Map<string, string>;
  #changed = false;

  /** Digests from {@linkcode StatDigests.load}; none by default. */
  constructor(entries: Map<string, string> = new Map()) {
    this.#entries = entries;
  }

  /**
   * Reads the file at `path`. A missing file gives no digests; a damaged or foreign one too, after
   * `warn` was called with why.
   */
  static load(path: string, warn: (message: string) => void): StatDigests {
    const cost = "every file's stat is checked one by one again";
    // Keys stay JSON text: they are looked up as such.
    const key = (text: string) => (jsonKey(text), text);
    return new StatDigests(readTable(path, { header: HEADER, warn, cost, key }));
  }

  /** The hash kept under `key` for `digest`; `undefined` when none is kept, or for another digest. */
  get(key: string, digest: string): string | undefined {
    const entry = this.#entries.get(JSON.stringify(key));
    if (entry === undefined || !entry.startsWith(digest) || entry[digest.length] !== " ") return undefined;
    return entry.slice(digest.length + 1);
  }

  /** Keeps `hash` under `key` for `digest`, replacing what was kept. */
  set(key: string, digest: string, hash: string): void {
    const json = JSON.stringify(key);
    const entry = `${digest} ${hash}`;
    if (this.#entries.get(json) === entry) return;
    this.#entries.set(json, entry);
    this.#changed = true;
  }

  /** Writes the digests to `path` (temporary file, then rename) if any changed. */
  save(path: string): void {
    if (!this.#changed) return;
    writeTable(path, HEADER, this.#entries);
    this.#changed = false;
  }
}
