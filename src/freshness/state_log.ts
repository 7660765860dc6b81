/**
 * What dagrun remembers of each task's last successful run, as an append-only log of JSON lines:
 * a line is added as each task ends, so an interrupted run keeps what finished, and a crash can
 * at worst leave the last line unfinished, which is then dropped. What the fingerprint was made
 * of goes to a second log beside it, read only to say what changed. Both are rewritten (to a
 * temporary file, then renamed) when they have grown to several times what they hold.
 *
 * @module
 */
import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import { writeAtomically } from "./table_file.ts";

/**
 * A task's last successful run: the parts its fingerprint was made of (to say what changed) and
 * the outputs it left. Every value is a content hash (base64 SHA-256).
 *
 * @example
 * ```ts
 * import type { TaskRecord } from "./state_log.ts";
 * const r: TaskRecord = {
 *   fingerprint: "f…", definition: { type: "t…", arguments: "a…", cwd: "c…", env: "e…", patterns: "p…" },
 *   inputs: { "src/a.c": "h…" }, dependencies: { fetch: "d…" }, outputs: { "a.o": "o…" },
 * };
 * ```
 */
export interface TaskRecord {
  /** The hash of everything below but `outputs`. */
  fingerprint: string;
  /** Hashes of the task's own fields that count. */
  definition: Record<DefinitionPart, string>;
  /** Each input file (relative to the task's folder) and its content hash, sorted by path. */
  inputs: Record<string, string>;
  /** Each dependency and what it gave: its outputs' hash, or its fingerprint when it declares none. */
  dependencies: Record<string, string>;
  /** Each output file (relative to the task's folder) and its content hash, sorted by path. */
  outputs: Record<string, string>;
}

/** The fields of a task that make part of its fingerprint. */
export type DefinitionPart = "type" | "arguments" | "cwd" | "env" | "patterns";

/**
 * The first line. Each further line is a record, `{"task","fingerprint","outputs"}`, or a task
 * forgotten, `{"task"}`: what every check reads, about 150 bytes a task.
 */
const HEADER = JSON.stringify({ dagrun: "state", version: 3 });

/**
 * The first line of the parts file, beside the log: a line per record, `{"task","fingerprint"}<TAB>
 * {"definition","inputs","dependencies"}`, appended just before the record's line in the log. The
 * parts (mostly every input file's hash, 7 MB for 1000 tasks of 100 files) only say what changed
 * when a fingerprint differs, so a run with nothing to do never reads them. A part whose
 * fingerprint is not its task's in the log (a crash between the two appends) is no part.
 */
const PARTS_HEADER = JSON.stringify({ dagrun: "state-parts", version: 1 });

/** A record as kept: what every check reads. */
interface Stored {
  fingerprint: string;
  outputs: Record<string, string>;
}

/** The log grows to this many times its live records (plus some) before it is rewritten. */
const GROWTH = 4;

/**
 * The state file of a task file: the last successful run of each task, by name.
 *
 * @example
 * ```ts
 * import { StateLog } from "./state_log.ts";
 * const log = StateLog.open(".dagrun/state.jsonl", (m) => console.warn(m));
 * console.log(log.get("build")?.outputs);
 * log.close();
 * ```
 */
export class StateLog {
  readonly #path: string;
  readonly #partsPath: string;
  readonly #records: Map<string, Stored>;
  /** The parts file's lines by `task<LF>fingerprint`, read on first use; then also those added. */
  #parts: Map<string, string> | undefined;
  /** Parts added by this object, before the file is read. */
  readonly #added = new Map<string, string>();
  #lines: number;
  #fd: number | undefined;
  #partsFd: number | undefined;
  /** The files must be written anew before anything is appended (damaged, foreign or unfinished). */
  #rewrite: boolean;

  private constructor(path: string, records: Map<string, Stored>, lines: number, rewrite: boolean) {
    this.#path = path;
    this.#partsPath = path.replace(/(\.jsonl)?$/, "-parts.jsonl");
    this.#records = records;
    this.#lines = lines;
    this.#rewrite = rewrite;
  }

  /**
   * Reads the log at `path`. A missing file is an empty state. A damaged or foreign file is an
   * empty state too, after one call of `warn`; it is replaced at the first write.
   */
  static open(path: string, warn: (message: string) => void): StateLog {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (e) {
      if ((e as { code?: string }).code !== "ENOENT") {
        warn(`cannot read ${path} (${(e as Error).message}): every task runs`);
      }
      return new StateLog(path, new Map(), 0, true);
    }
    const lines = text.split("\n");
    // A crash while appending leaves an unfinished last line: that task's record is lost, no more.
    const unfinished = lines.pop() !== "";
    const records = new Map<string, Stored>();
    const damaged = (why: string) => {
      warn(`${path} is damaged (${why}): every task runs, and the state is written anew`);
      return new StateLog(path, new Map(), 0, true);
    };
    if (lines.length === 0 && !unfinished) return damaged("empty file");
    if (lines[0] !== HEADER) {
      return damaged(
        /^\{"dagrun":"state",/.test(lines[0])
          ? "written by another version of dagrun"
          : "not a dagrun state file",
      );
    }
    for (let n = 1; n < lines.length; n++) {
      let line;
      try {
        line = JSON.parse(lines[n]);
      } catch {
        return damaged(`line ${n + 1} is not JSON`);
      }
      if (typeof line?.task !== "string") return damaged(`line ${n + 1} names no task`);
      if (line.fingerprint === undefined && line.outputs === undefined) records.delete(line.task);
      else if (isStored(line)) {
        records.set(line.task, { fingerprint: line.fingerprint, outputs: line.outputs });
      } else return damaged(`line ${n + 1} is not a task record`);
    }
    return new StateLog(path, records, lines.length, unfinished);
  }

  /** The last successful run of task `name`, if one is recorded. */
  get(name: string): TaskRecord | undefined {
    const stored = this.#records.get(name);
    return stored && this.#recordOf(name, stored);
  }

  /** Records a successful run of task `name`, on disk at once. */
  set(name: string, record: TaskRecord): void {
    const { fingerprint, outputs, definition, inputs, dependencies } = record;
    const stored = { fingerprint, outputs };
    const parts = JSON.stringify({ definition, inputs, dependencies });
    this.#records.set(name, stored);
    (this.#parts ?? this.#added).set(`${name}\n${fingerprint}`, parts);
    this.#append(partsLineOf(name, fingerprint, parts), lineOf(name, stored));
  }

  /** Forgets task `name` (it failed, so whatever it left is not known to be good), on disk at once. */
  delete(name: string): void {
    if (!this.#records.delete(name)) return;
    this.#append(undefined, JSON.stringify({ task: name }));
  }

  /** Closes the files, rewriting them first when they have grown to several times what they hold. */
  close(): void {
    if (this.#lines > GROWTH * this.#records.size + 64) this.#writeAll();
    this.#closeFiles();
  }

  #closeFiles(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    if (this.#partsFd !== undefined) closeSync(this.#partsFd);
    this.#fd = this.#partsFd = undefined;
  }

  /** Appends `parts` to the parts file, then `line` to the log: a record's line never comes first. */
  #append(parts: string | undefined, line: string): void {
    if (this.#rewrite) this.#writeAll();
    if (parts !== undefined) {
      this.#partsFd ??= openSync(this.#partsPath, "a");
      writeSync(this.#partsFd, parts + "\n");
    }
    this.#fd ??= openSync(this.#path, "a");
    // One write per line: a crash can cut the line, never interleave it with another.
    writeSync(this.#fd, line + "\n");
    this.#lines++;
  }

  /** Writes every live record (parts first) to temporary files and renames them over the files. */
  #writeAll(): void {
    const parts = this.#allParts();
    this.#closeFiles();
    let text = HEADER + "\n";
    let partsText = PARTS_HEADER + "\n";
    for (const [task, stored] of this.#records) {
      text += lineOf(task, stored) + "\n";
      const part = parts.get(`${task}\n${stored.fingerprint}`);
      if (part !== undefined) partsText += partsLineOf(task, stored.fingerprint, part) + "\n";
    }
    writeAtomically(this.#partsPath, partsText);
    writeAtomically(this.#path, text);
    this.#lines = this.#records.size + 1;
    this.#rewrite = false;
  }

  /** The parts file's entries (read now if not yet) with those added since. */
  #allParts(): Map<string, string> {
    if (this.#parts) return this.#parts;
    const parts = new Map<string, string>();
    let text = "";
    try {
      text = readFileSync(this.#partsPath, "utf8");
    } catch { /* no parts: the reasons say less */ }
    const lines = text.split("\n");
    // An unfinished last line, a foreign file or a damaged line only take parts away.
    lines.pop();
    if (lines[0] === PARTS_HEADER) {
      for (let n = 1; n < lines.length; n++) {
        const tab = lines[n].indexOf("\t");
        try {
          const head = JSON.parse(lines[n].slice(0, tab));
          if (tab > 0 && typeof head?.task === "string" && typeof head.fingerprint === "string") {
            parts.set(`${head.task}\n${head.fingerprint}`, lines[n].slice(tab + 1));
          }
        } catch { /* not a part */ }
      }
    }
    for (const [key, part] of this.#added) parts.set(key, part);
    this.#added.clear();
    return this.#parts = parts;
  }

  /** The record, its parts read on first use (missing or damaged parts read as empty: only messages use them). */
  #recordOf(name: string, stored: Stored): TaskRecord {
    let parts: Pick<TaskRecord, "definition" | "inputs" | "dependencies"> | undefined;
    const load = () => {
      if (parts) return parts;
      try {
        const read = JSON.parse(this.#allParts().get(`${name}\n${stored.fingerprint}`) ?? "null");
        if (isParts(read)) parts = read;
      } catch { /* below */ }
      return parts ??= { definition: {} as TaskRecord["definition"], inputs: {}, dependencies: {} };
    };
    return {
      fingerprint: stored.fingerprint,
      outputs: stored.outputs,
      get definition() {
        return load().definition;
      },
      get inputs() {
        return load().inputs;
      },
      get dependencies() {
        return load().dependencies;
      },
    };
  }
}

function isStored(value: { fingerprint?: unknown; outputs?: unknown }): value is Stored & { task: string } {
  return typeof value.fingerprint === "string" && typeof value.outputs === "object" &&
    value.outputs !== null &&
    !Array.isArray(value.outputs) && Object.values(value.outputs).every((hash) => typeof hash === "string");
}

function isParts(value: unknown): value is Pick<TaskRecord, "definition" | "inputs" | "dependencies"> {
  const parts = value as Record<string, unknown> | null;
  return typeof parts?.definition === "object" && parts.definition !== null &&
    typeof parts.inputs === "object" && parts.inputs !== null &&
    typeof parts.dependencies === "object" && parts.dependencies !== null;
}

function lineOf(task: string, { fingerprint, outputs }: Stored): string {
  return JSON.stringify({ task, fingerprint, outputs });
}

function partsLineOf(task: string, fingerprint: string, parts: string): string {
  return JSON.stringify({ task, fingerprint }) + "\t" + parts;
}
