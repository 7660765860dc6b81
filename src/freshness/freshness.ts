/**
 * Decides which tasks are up to date, between the graph and the scheduler: just before a task
 * would start it compares the task's fingerprint (its type, command, cwd, env, patterns, input
 * files' content, and what each dependency gave) and its outputs' content with what was recorded
 * at its last successful run; as each task ends it records the new state. The scheduler only
 * learns "skip this one as up to date" (`RunOptions.freshness`); it knows nothing of files.
 *
 * What a dependency gives its dependents is the content hash of its outputs, or its fingerprint
 * when it declares none. So a task that ran again but left byte-identical outputs does not wake
 * its dependents (early cutoff).
 *
 * @module
 */
import { mkdirSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { glob } from "../deps/tinyglobby.ts";
import type { TaskGraph } from "../graph.ts";
import type { FreshnessGate } from "../scheduler.ts";
import type { Task } from "../task.ts";
import { FileHashes, hashText } from "./file_hashes.ts";
import { type DefinitionPart, StateLog, type TaskRecord } from "./state_log.ts";

/**
 * Options of {@linkcode Freshness}.
 *
 * @example
 * ```ts
 * import type { FreshnessOptions } from "./freshness.ts";
 * const options: FreshnessOptions = { baseDir: ".", stateDir: ".dagrun", warn: console.warn };
 * ```
 */
export interface FreshnessOptions {
  /** The task file's folder: patterns of a task without `cwd` are relative to it. */
  baseDir: string;
  /** Where the state is kept (created at the first write). */
  stateDir: string;
  /** Run every task, still recording the state (`--force`). Default: false. */
  force?: boolean;
  /**
   * Only tell what would run (`--dry-run`, `check`): nothing is written, and a task that would
   * run is taken to change what it gives its dependents. Default: false.
   */
  predict?: boolean;
  /** Receives a warning fit to print, such as a damaged state file. */
  warn: (message: string) => void;
}

/** The state file's name in the state folder. */
const STATE_FILE = "state.jsonl";
/** The file-hash cache's name in the state folder. */
const HASHES_FILE = "file-hashes.json";

/**
 * The freshness of the tasks of one graph, for one run: pass it as `RunOptions.freshness`, then
 * call `close()`.
 *
 * @example
 * ```ts
 * import { loadTaskFile, run } from "../../mod.ts";
 * import { Freshness } from "./freshness.ts";
 * const file = await loadTaskFile("examples/example.json");
 * const freshness = new Freshness(file.graph, { baseDir: "examples", stateDir: "examples/.dagrun", warn: console.warn });
 * await run(file.graph, { freshness });
 * freshness.close();
 * ```
 */
export class Freshness implements FreshnessGate {
  readonly #graph: TaskGraph;
  readonly #options: FreshnessOptions;
  readonly #log: StateLog;
  readonly #hashes: FileHashes;
  readonly #ignoreState: string[];
  /** Per task: the record its run would leave (fingerprint and inputs), made by `check`. */
  readonly #pending: (TaskRecord | undefined)[];
  /** Per task: what it gives its dependents, once it is up to date or has run. */
  readonly #gives: (string | undefined)[];
  /** Per task: why it runs (or why it would). */
  readonly #why: (string | undefined)[];

  /** Reads the state of `graph`'s tasks from `options.stateDir`. */
  constructor(graph: TaskGraph, options: FreshnessOptions) {
    this.#graph = graph;
    // Absolute, so that resolving a path never asks the system for the current folder again.
    this.#options = { ...options, baseDir: resolve(options.baseDir) };
    if (!options.predict) mkdirSync(options.stateDir, { recursive: true });
    this.#log = StateLog.open(join(options.stateDir, STATE_FILE), options.warn);
    this.#hashes = FileHashes.load(join(options.stateDir, HASHES_FILE), options.warn);
    const n = graph.size;
    this.#pending = new Array(n);
    this.#gives = new Array(n);
    this.#why = new Array(n);
    this.#ignoreState = [join(resolve(options.stateDir), "**")];
  }

  /** The folder patterns of a task without `cwd` are relative to. */
  get baseDir(): string {
    return this.#options.baseDir;
  }

  /** How many files were read and hashed, and their bytes (the rest came from the cache). */
  get hashed(): { files: number; bytes: number } {
    return { files: this.#hashes.hashedFiles, bytes: this.#hashes.hashedBytes };
  }

  /** Why task `index` ran (or would run); `undefined` for one that was up to date or not reached. */
  reason(index: number): string | undefined {
    return this.#why[index];
  }

  /** True when task `index` is up to date; otherwise `reason(index)` says why it must run. */
  async check(index: number): Promise<boolean> {
    const task = this.#graph.tasks[index];
    const dir = this.#dirOf(task);
    const record: TaskRecord = {
      fingerprint: "",
      definition: definitionOf(task),
      inputs: task.inputs ? this.#hashAll(dir, await this.#expand(dir, task.inputs)) : {},
      dependencies: {},
      outputs: {},
    };
    for (const d of this.#graph.dependenciesOf(index)) {
      record.dependencies[this.#graph.tasks[d].name] = this.#gives[d] ?? "";
    }
    record.fingerprint = hashText(JSON.stringify([record.definition, record.inputs, record.dependencies]));
    this.#pending[index] = record;
    const why = !task.inputs
      ? "no inputs declared, so it runs every time"
      : this.#options.force
      ? "--force"
      : this.#changed(this.#log.get(task.name), record, dir);
    this.#why[index] = why;
    if (why === undefined) this.#gives[index] = this.#give(task, this.#log.get(task.name)!);
    return why === undefined;
  }

  /** Task `index` ended, `ok` or not: records its outputs, or forgets it after a failure. */
  async record(index: number, ok: boolean): Promise<void> {
    const task = this.#graph.tasks[index];
    const record = this.#pending[index]!;
    this.#pending[index] = undefined;
    if (this.#options.predict) {
      // Outputs are known only once it has run: its dependents are told they would change.
      this.#gives[index] = task.outputs ? WOULD_RUN : record.fingerprint;
      return;
    }
    if (!ok) return this.#log.delete(task.name);
    const dir = this.#dirOf(task);
    if (task.outputs) record.outputs = this.#hashAll(dir, await this.#expand(dir, task.outputs));
    this.#gives[index] = this.#give(task, record);
    if (task.inputs) this.#log.set(task.name, record);
  }

  /**
   * True when the file at `path` differs from what this run last saw of it (content, or whether
   * it exists): how `--watch` tells a real edit from a save that changed nothing.
   */
  changed(path: string): boolean {
    const absolute = resolve(path);
    return this.#hashes.changed(absolute, relative(this.#options.baseDir, absolute));
  }

  /** Saves the file-hash cache and closes the state file; nothing is written when predicting. */
  close(): void {
    try {
      this.#log.close();
      if (!this.#options.predict) this.#hashes.save(join(this.#options.stateDir, HASHES_FILE));
    } catch (e) {
      this.#options.warn(`cannot write the state in ${this.#options.stateDir}: ${(e as Error).message}`);
    }
  }

  /** What a task gives its dependents: its outputs' hash, or its fingerprint without outputs. */
  #give(task: Task, record: TaskRecord): string {
    return task.outputs ? hashText(JSON.stringify(record.outputs)) : record.fingerprint;
  }

  /** Why `now` differs from the last successful run `last`; `undefined` when it does not. */
  #changed(last: TaskRecord | undefined, now: TaskRecord, dir: string): string | undefined {
    if (!last) return "no successful run recorded";
    if (last.fingerprint !== now.fingerprint) {
      for (const part of DEFINITION_PARTS) {
        if (last.definition[part] !== now.definition[part]) return `its ${PART_NAMES[part]} changed`;
      }
      for (const [name, gives] of Object.entries(now.dependencies)) {
        if (gives === WOULD_RUN) return `dependency ${name} would run`;
      }
      const input = firstDifference(last.inputs, now.inputs);
      if (input) return `input ${input}`;
      const dependency = firstDifference(last.dependencies, now.dependencies);
      if (dependency) return `dependency ${dependency}`;
      return "its fingerprint changed";
    }
    for (const [path, hash] of Object.entries(last.outputs)) {
      const current = this.#hashes.hash(resolve(dir, path), this.#key(dir, path));
      if (current !== hash) return `output ${path} ${current === undefined ? "is missing" : "changed"}`;
    }
    return undefined;
  }

  /** The folder a task's patterns are relative to: its `cwd`, from the task file's folder. */
  #dirOf(task: Task): string {
    return resolve(this.#options.baseDir, task.cwd ?? ".");
  }

  /** The files `patterns` match in `dir`, relative to it, sorted; never the state folder. */
  async #expand(dir: string, patterns: string[]): Promise<string[]> {
    const files = await glob(patterns, { cwd: dir, onlyFiles: true, ignore: this.#ignoreState });
    return files.sort();
  }

  /** Each file (relative to `dir`) with its content hash, in the order given. */
  #hashAll(dir: string, files: string[]): Record<string, string> {
    const hashes: Record<string, string> = {};
    // The glob's paths are already clean (no "." or ".." but a leading one): joining them by hand
    // spares two path normalizations per file, a tenth of a run with nothing to do.
    const clean = (file: string) => !file.startsWith("../") && file !== "..";
    const prefix = relative(this.#options.baseDir, dir);
    for (const file of files) {
      const hash = clean(file)
        ? this.#hashes.hash(`${dir}/${file}`, prefix ? `${prefix}/${file}` : file)
        : this.#hashes.hash(resolve(dir, file), this.#key(dir, file));
      // A file removed between the glob and the read is not an input any more.
      if (hash !== undefined) hashes[file] = hash;
    }
    return hashes;
  }

  /** A file's key in the hash cache: its path from the task file's folder. */
  #key(dir: string, file: string): string {
    return relative(this.#options.baseDir, resolve(dir, file));
  }
}

/** What a task that would run gives its dependents in a prediction: it matches no record. */
const WOULD_RUN = "(would run)";

const DEFINITION_PARTS: readonly DefinitionPart[] = ["type", "arguments", "cwd", "env", "patterns"];

const PART_NAMES: Record<DefinitionPart, string> = {
  type: "type",
  arguments: "command",
  cwd: "cwd",
  env: "env",
  patterns: "inputs or outputs patterns",
};

/** The hashes of the task's own fields that count toward its fingerprint. */
function definitionOf(task: Task): Record<DefinitionPart, string> {
  const env = Object.entries(task.env ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    type: hashText(task.type),
    arguments: hashText(task.arguments),
    cwd: hashText(task.cwd ?? ""),
    env: hashText(JSON.stringify(env)),
    patterns: hashText(JSON.stringify([task.inputs ?? null, task.outputs ?? null])),
  };
}

/** The first key whose value differs between two maps, with how: `a.c changed`, `is new`, `was removed`. */
function firstDifference(before: Record<string, string>, after: Record<string, string>): string | undefined {
  for (const [key, value] of Object.entries(after)) {
    if (!(key in before)) return `${key} is new`;
    if (before[key] !== value) return `${key} changed`;
  }
  for (const key in before) if (!(key in after)) return `${key} was removed`;
  return undefined;
}
