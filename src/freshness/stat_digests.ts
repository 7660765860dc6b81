/**
 * Per task, one line that stands for a whole set of files: the digest of their stats (path, size,
 * mtime, ctime, inode) as they were when their content hashes were last combined, with that
 * combined hash. While every stat is the same, so is every content, so a run with nothing to do
 * checks a task's 100 inputs with 100 stats and one comparison, without the per-file hash cache.
 * A set with a file modified within the racy second of its stat is never kept (see `RACY_MS`).
 *
 * @module
 */
import type { FileStat } from "../runtime/stat.ts";
import { hashText, RACY_MS } from "./file_hashes.ts";
import { jsonKey, readTable, writeTable } from "./table_file.ts";

/** The first line; then a line per set, `KEY<TAB>DIGEST HASH`, with KEY a JSON string. */
const HEADER = "dagrun stat-digests 1";

/**
 * The digest of files' stats, built as they are statted, with whether it can be trusted.
 *
 * @example
 * ```ts
 * import { StatDigest } from "./stat_digests.ts";
 * const digest = new StatDigest("/project");
 * digest.add("a.txt", { size: 1, mtimeMs: 0, ctimeMs: 0, ino: 7 });
 * console.log(digest.trusted, digest.value.length); // true 44
 * ```
 */
export class StatDigest {
  #text: string;
  /** Files modified before this may be trusted: a later write shows in their mtime. */
  readonly #before: number;
  /** False once a file was missing or modified within the racy second. */
  trusted = true;

  /** A digest of files under `dir`, taken from now (the time is read before any stat). */
  constructor(dir: string) {
    this.#text = dir;
    this.#before = Date.now() - RACY_MS;
  }

  /** Adds `file` (relative to the folder) with its stat, or as missing. */
  add(file: string, stat: FileStat | undefined): void {
    if (!stat) {
      this.#text += `\n${file}\0-`;
      this.trusted = false;
      return;
    }
    this.#text += `\n${file}\0${stat.size} ${stat.mtimeMs} ${stat.ctimeMs} ${stat.ino}`;
    if (stat.mtimeMs > this.#before) this.trusted = false;
  }

  /** The digest (SHA-256, base64) of everything added. */
  get value(): string {
    return hashText(this.#text);
  }
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
