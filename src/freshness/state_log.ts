/**
 * What dagrun remembers of each task's last successful run, as an append-only log of JSON lines:
 * a line is added as each task ends, so an interrupted run keeps what finished, and a crash can
 * at worst leave the last line unfinished, which is then dropped. The log is rewritten (to a
 * temporary file, then renamed) when it has grown to several times what it holds.
 *
 * @module
 */
import { closeSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from "node:fs";
import process from "node:process";

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
 * The first line. Each further line is a record, `{"task","fingerprint","outputs"}<TAB>{"definition",
 * "inputs","dependencies"}`, or a task forgotten, `{"task"}`. The part after the tab (most of a
 * record's size: every input file's hash) is parsed only when a task's fingerprint changed and
 * dagrun says why, which keeps a run with nothing to do from parsing megabytes of JSON.
 */
const HEADER = JSON.stringify({ dagrun: "state", version: 2 });

/** A record as kept: what every check reads, and the rest still as text until asked for. */
interface Stored {
  fingerprint: string;
  outputs: Record<string, string>;
  /** The JSON text of `{definition, inputs, dependencies}`. */
  parts: string;
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
  readonly #records: Map<string, Stored>;
  #lines: number;
  #fd: number | undefined;
  /** The file must be written anew before anything is appended (damaged, foreign or unfinished). */
  #rewrite: boolean;

  private constructor(path: string, records: Map<string, Stored>, lines: number, rewrite: boolean) {
    this.#path = path;
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
    if (lines[0] !== HEADER) return damaged("not a dagrun state file");
    for (let n = 1; n < lines.length; n++) {
      const line = lines[n];
      // JSON escapes a tab inside a string: the first raw tab ends the head.
      const tab = line.indexOf("\t");
      let head;
      try {
        head = JSON.parse(tab < 0 ? line : line.slice(0, tab));
      } catch {
        return damaged(`line ${n + 1} is not JSON`);
      }
      if (typeof head?.task !== "string") return damaged(`line ${n + 1} names no task`);
      if (tab < 0) records.delete(head.task);
      else if (isHead(head)) {
        records.set(head.task, {
          fingerprint: head.fingerprint,
          outputs: head.outputs,
          parts: line.slice(tab + 1),
        });
      } else return damaged(`line ${n + 1} is not a task record`);
    }
    return new StateLog(path, records, lines.length, unfinished);
  }

  /** The last successful run of task `name`, if one is recorded. */
  get(name: string): TaskRecord | undefined {
    const stored = this.#records.get(name);
    return stored && recordOf(stored);
  }

  /** Records a successful run of task `name`, on disk at once. */
  set(name: string, record: TaskRecord): void {
    const { fingerprint, outputs, definition, inputs, dependencies } = record;
    const stored = { fingerprint, outputs, parts: JSON.stringify({ definition, inputs, dependencies }) };
    this.#records.set(name, stored);
    this.#append(lineOf(name, stored));
  }

  /** Forgets task `name` (it failed, so whatever it left is not known to be good), on disk at once. */
  delete(name: string): void {
    if (!this.#records.delete(name)) return;
    this.#append(JSON.stringify({ task: name }));
  }

  /** Closes the file, rewriting it first when it has grown to several times what it holds. */
  close(): void {
    if (this.#lines > GROWTH * this.#records.size + 64) this.#writeAll();
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  #append(line: string): void {
    if (this.#rewrite) this.#writeAll();
    this.#fd ??= openSync(this.#path, "a");
    // One write per line: a crash can cut the line, never interleave it with another.
    writeSync(this.#fd, line + "\n");
    this.#lines++;
  }

  /** Writes every live record to a temporary file and renames it over the log. */
  #writeAll(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
    let text = HEADER + "\n";
    for (const [task, stored] of this.#records) text += lineOf(task, stored) + "\n";
    const temporary = `${this.#path}.${process.pid}.tmp`;
    writeFileSync(temporary, text);
    renameSync(temporary, this.#path);
    this.#lines = this.#records.size + 1;
    this.#rewrite = false;
  }
}

function isHead(value: { fingerprint?: unknown; outputs?: unknown }): value is Stored & { task: string } {
  return typeof value.fingerprint === "string" && typeof value.outputs === "object" && value.outputs !== null;
}

function lineOf(task: string, { fingerprint, outputs, parts }: Stored): string {
  return JSON.stringify({ task, fingerprint, outputs }) + "\t" + parts;
}

/** The record, its parts parsed on first use (a damaged part reads as empty: only messages use them). */
function recordOf(stored: Stored): TaskRecord {
  let parts: Pick<TaskRecord, "definition" | "inputs" | "dependencies"> | undefined;
  const load = () => {
    try {
      parts ??= JSON.parse(stored.parts);
    } catch { /* below */ }
    parts ??= { definition: {} as TaskRecord["definition"], inputs: {}, dependencies: {} };
    return parts!;
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
