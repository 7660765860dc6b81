/**
 * The file form of dagrun's caches in the state folder: a header line naming the kind and its
 * version, then a line per entry, `KEY<TAB>VALUE`. Plain lines rather than one JSON document:
 * 100 000 entries load in a fraction of the time, and each cache parses a value only when its key
 * is looked up. A file is written whole to a temporary file and renamed over the old one, so a
 * reader never sees half of it.
 *
 * @module
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import process from "node:process";

/** How {@linkcode readTable} treats a file. */
export interface ReadTableOptions {
  /** The first line a file of this kind has. */
  header: string;
  /** Called once, for a damaged or foreign file, with a message that names it and says why. */
  warn: (message: string) => void;
  /** What losing the file costs, for the warning (e.g. "every input is read again"). */
  cost: string;
  /** The map key of a line's key text; throws when the text is not a valid key. Default: as is. */
  key?: (text: string) => string;
}

/**
 * The entries of the table file at `path`, by key. A missing file gives none; a damaged or
 * foreign one (another header, a cut-off last line, a line without a tab or with a key `key`
 * refuses) gives none too, after one warning.
 *
 * @example
 * ```ts
 * import { readTable } from "./table_file.ts";
 * const entries = readTable(".dagrun/globs", { header: "dagrun globs 1", warn: console.error, cost: "" });
 * console.log(entries.size);
 * ```
 */
export function readTable(path: string, options: ReadTableOptions): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return new Map();
  }
  const lines = text.split("\n");
  const entries = new Map<string, string>();
  let damage = lines.pop() !== "" || lines[0] !== options.header
    ? "not a complete dagrun cache of this kind"
    : "";
  for (let n = 1; n < lines.length && !damage; n++) {
    const line = lines[n];
    const tab = line.indexOf("\t");
    try {
      if (tab < 1) throw new Error();
      const keyText = line.slice(0, tab);
      entries.set(options.key ? options.key(keyText) : keyText, line.slice(tab + 1));
    } catch {
      damage = `line ${n + 1} is not an entry`;
    }
  }
  if (!damage) return entries;
  options.warn(`${path} is damaged (${damage}): ${options.cost}`);
  return new Map();
}

/**
 * Writes `entries` as a table file with `header` to `path`: to a temporary file beside it, then
 * renamed over it.
 *
 * @example
 * ```ts
 * import { writeTable } from "./table_file.ts";
 * writeTable("/tmp/globs", "dagrun globs 1", [["key", "value"]]);
 * ```
 */
export function writeTable(path: string, header: string, entries: Iterable<[string, string]>): void {
  let text = header + "\n";
  for (const [key, value] of entries) text += `${key}\t${value}\n`;
  writeAtomically(path, text);
}

/**
 * Writes `text` to a temporary file beside `path`, then renames it over `path`.
 *
 * @example
 * ```ts
 * import { writeAtomically } from "./table_file.ts";
 * writeAtomically("/tmp/state.jsonl", "{}\n");
 * ```
 */
export function writeAtomically(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}

/**
 * A key written as a JSON string, as text: `"a\tb"` is `a<TAB>b`. Throws for text that is not
 * one, so that a damaged line is not read as an entry.
 *
 * @example
 * ```ts
 * import { jsonKey } from "./table_file.ts";
 * console.log(jsonKey('"src/a.ts"')); // src/a.ts
 * ```
 */
export function jsonKey(text: string): string {
  if (text.length < 2 || text[0] !== '"' || text[text.length - 1] !== '"') {
    throw new Error("not a JSON string");
  }
  // Most keys are paths with nothing escaped: cut rather than parse.
  return text.includes("\\") ? JSON.parse(text) : text.slice(1, -1);
}
