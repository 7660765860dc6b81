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
import type { TaskGraph } from "../graph.ts";
import type { FreshnessGate } from "../scheduler.ts";
import type { Task } from "../task.ts";
import { FileHashes, hashText } from "./file_hashes.ts";
import { GlobCache } from "./glob_cache.ts";
import { digestStats, StatDigests } from "./stat_digests.ts";
import { type FileStat, statFilesInto } from "../runtime/stat.ts";
import { type DefinitionPart, StateLog, type TaskRecord } from "./state_log.ts";

/**
 * Options of {@linkcode Freshness}.
 *
 * @example
 * ```ts
 * import type { FreshnessOptions } from "@dagrun/dagrun";
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
/** The glob cache's name in the state folder. */
const GLOBS_FILE = "globs";
/** The name of the file of stat digests (per task, of its inputs and of its outputs) in the state folder. */
const DIGESTS_FILE = "stat-digests";

/**
 * The freshness of the tasks of one graph, for one run: pass it as `RunOptions.freshness`, then
 * call `close()`.
 *
 * @example
 * ```ts
 * import { Freshness, loadTaskFile, run } from "@dagrun/dagrun";
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
  /** Loaded on first use: a run with nothing to do mostly answers from `#digests`. */
  #hashes: FileHashes | undefined;
  readonly #globs: GlobCache;
  readonly #digests: StatDigests;
  /** The state folder, absolute. */
  readonly #stateDir: string;
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
    this.#globs = GlobCache.load(join(options.stateDir, GLOBS_FILE), options.warn);
    this.#digests = StatDigests.load(join(options.stateDir, DIGESTS_FILE), options.warn);
    const n = graph.size;
    this.#pending = new Array(n);
    this.#gives = new Array(n);
    this.#why = new Array(n);
    this.#stateDir = resolve(options.stateDir);
  }

  /** The folder patterns of a task without `cwd` are relative to. */
  get baseDir(): string {
    return this.#options.baseDir;
  }

  /** How many files were read and hashed, and their bytes (the rest came from the cache). */
  get hashed(): { files: number; bytes: number } {
    return { files: this.#hashes?.hashedFiles ?? 0, bytes: this.#hashes?.hashedBytes ?? 0 };
  }

  /** Why task `index` ran (or would run); `undefined` for one that was up to date or not reached. */
  reason(index: number): string | undefined {
    return this.#why[index];
  }

  /** True when task `index` is up to date; otherwise `reason(index)` says why it must run. */
  check(index: number): boolean {
    const task = this.#graph.tasks[index];
    const dir = this.#dirOf(task);
    const definition = definitionOf(task);
    const dependencies: Record<string, string> = {};
    for (const d of this.#graph.dependenciesOf(index)) {
      dependencies[this.#graph.tasks[d].name] = this.#gives[d] ?? "";
    }
    const last = this.#log.get(task.name);
    const files = task.inputs ? this.#expand(dir, task.inputs) : [];
    const stats = statAll(dir, files);
    const digest = digestStats(dir, files, stats);
    // The common case of a run with nothing to do: every input's stat is as when its content
    // was last hashed, so the inputs' combined hash is known without a file read or looked up.
    const known = digest.trusted ? this.#digests.get(`in ${task.name}`, digest.value) : undefined;
    if (task.inputs && !this.#options.force && last && known !== undefined) {
      const fingerprint = fingerprintOf(definition, known, dependencies);
      if (fingerprint === last.fingerprint && this.#outputDifference(task.name, dir, last) === undefined) {
        this.#why[index] = undefined;
        this.#gives[index] = this.#give(task, last);
        return true;
      }
    }
    // Inputs as at the last run (only something else changed): the record's list, unread files.
    const same = known !== undefined && last && hashText(JSON.stringify(last.inputs)) === known;
    const inputs = same ? last.inputs : this.#hashAll(dir, files, stats);
    const inputsHash = same ? known : hashText(JSON.stringify(inputs));
    if (task.inputs && digest.trusted && !this.#options.predict) {
      this.#digests.set(`in ${task.name}`, digest.value, inputsHash);
    }
    const record: TaskRecord = {
      fingerprint: fingerprintOf(definition, inputsHash, dependencies),
      definition,
      inputs,
      dependencies,
      outputs: {},
    };
    this.#pending[index] = record;
    const why = !task.inputs
      ? "no inputs declared, so it runs every time"
      : this.#options.force
      ? "--force"
      : this.#changed(task.name, last, record, dir);
    this.#why[index] = why;
    if (why === undefined) this.#gives[index] = this.#give(task, last!);
    return why === undefined;
  }

  /** Task `index` ended, `ok` or not: records its outputs, or forgets it after a failure. */
  record(index: number, ok: boolean): void {
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
    if (task.outputs) {
      const files = this.#expand(dir, task.outputs);
      record.outputs = this.#hashAll(dir, files, statAll(dir, files));
    }
    this.#gives[index] = this.#give(task, record);
    if (task.inputs) this.#log.set(task.name, record);
  }

  /**
   * True when the file at `path` differs from what this run last saw of it (content, or whether
   * it exists): how `--watch` tells a real edit from a save that changed nothing.
   */
  changed(path: string): boolean {
    const absolute = resolve(path);
    return this.#fileHashes().changed(absolute, relative(this.#options.baseDir, absolute));
  }

  /** Saves the file-hash cache and closes the state file; nothing is written when predicting. */
  close(): void {
    try {
      this.#log.close();
      if (!this.#options.predict) {
        this.#hashes?.save(join(this.#options.stateDir, HASHES_FILE));
        this.#globs.save(join(this.#options.stateDir, GLOBS_FILE));
        this.#digests.save(join(this.#options.stateDir, DIGESTS_FILE));
      }
    } catch (e) {
      this.#options.warn(`cannot write the state in ${this.#options.stateDir}: ${(e as Error).message}`);
    }
  }

  /** What a task gives its dependents: its outputs' hash, or its fingerprint without outputs. */
  #give(task: Task, record: TaskRecord): string {
    return task.outputs ? hashText(JSON.stringify(record.outputs)) : record.fingerprint;
  }

  /** Why task `name` as `now` differs from its last successful run `last`; `undefined` when it does not. */
  #changed(name: string, last: TaskRecord | undefined, now: TaskRecord, dir: string): string | undefined {
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
    return this.#outputDifference(name, dir, last);
  }

  /**
   * Which output recorded at task `name`'s last run is missing or changed; `undefined` when each
   * is there with the content recorded, told by their stats alone when they are as when last seen.
   */
  #outputDifference(name: string, dir: string, last: TaskRecord): string | undefined {
    const files = Object.keys(last.outputs);
    const stats = statAll(dir, files);
    const digest = digestStats(dir, files, stats);
    const recorded = hashText(JSON.stringify(last.outputs));
    if (digest.trusted && this.#digests.get(`out ${name}`, digest.value) === recorded) return undefined;
    const hashes = this.#fileHashes();
    for (let i = 0; i < files.length; i++) {
      const hash = hashes.hashStat(pathOf(dir, files[i]), this.#key(dir, files[i]), statAt(stats, i));
      if (hash !== last.outputs[files[i]]) {
        return `output ${files[i]} ${hash === undefined ? "is missing" : "changed"}`;
      }
    }
    if (digest.trusted && !this.#options.predict) this.#digests.set(`out ${name}`, digest.value, recorded);
    return undefined;
  }

  /** The per-file hash cache, read on first use. */
  #fileHashes(): FileHashes {
    return this.#hashes ??= FileHashes.load(join(this.#options.stateDir, HASHES_FILE), this.#options.warn);
  }

  /** The folder a task's patterns are relative to: its `cwd`, from the task file's folder. */
  #dirOf(task: Task): string {
    return resolve(this.#options.baseDir, task.cwd ?? ".");
  }

  /** The files `patterns` match in `dir`, relative to it, sorted; never the state folder. */
  #expand(dir: string, patterns: string[]): readonly string[] {
    // The state folder is never a task's file. It is left out here, not given to the glob as an
    // ignore pattern: tinyglobby then crawls from the folder the patterns and the ignore share
    // (for a state in /tmp, from `/`), listing a folder per task that changes all the time, so
    // that no listing was ever kept and a run with nothing to do took 5 s instead of 1.
    const files = this.#globs.expand(dir, patterns, []);
    const rel = relative(dir, this.#stateDir);
    // Only a file whose path starts with this can be in the state folder.
    const start = rel === ".." || rel.startsWith("../") ? "../" : rel && `${rel}/`;
    if (!files.some((file) => file.startsWith(start))) return files;
    const state = this.#stateDir + "/";
    return files.filter((file) => !(file.startsWith(start) && pathOf(dir, file).startsWith(state)));
  }

  /** Each file (relative to `dir`, with its stat) with its content hash, in the order given. */
  #hashAll(dir: string, files: readonly string[], stats: Float64Array): Record<string, string> {
    const hashes: Record<string, string> = {};
    const cache = this.#fileHashes();
    const prefix = relative(this.#options.baseDir, dir);
    for (let i = 0; i < files.length; i++) {
      const file = files[i];
      const key = isClean(file) ? (prefix ? `${prefix}/${file}` : file) : this.#key(dir, file);
      const hash = cache.hashStat(pathOf(dir, file), key, statAt(stats, i));
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

/**
 * True for a path the glob gives that is already clean (no "." or ".." but leading ones): such a
 * path is joined to its folder by hand, sparing two path normalizations per file.
 */
function isClean(file: string): boolean {
  return !file.startsWith("../") && file !== "..";
}

/** The stats of `files` (relative to `dir`), four numbers each (see `statFilesInto`). */
function statAll(dir: string, files: readonly string[]): Float64Array {
  const stats = new Float64Array(files.length * 4);
  statFilesInto(files.map((file) => pathOf(dir, file)), stats);
  return stats;
}

/** File `i`'s stat from `statAll`'s numbers; `undefined` for one not there. */
function statAt(stats: Float64Array, i: number): FileStat | undefined {
  const at = i * 4;
  if (stats[at] < 0) return undefined;
  return { size: stats[at], mtimeMs: stats[at + 1], ctimeMs: stats[at + 2], ino: stats[at + 3] };
}

/** The absolute path of `file` (relative to the absolute folder `dir`). */
function pathOf(dir: string, file: string): string {
  return isClean(file) ? `${dir}/${file}` : resolve(dir, file);
}

/**
 * A task's fingerprint: the hash of its definition, of its inputs (each file's path and content
 * hash, condensed to `inputsHash`) and of what each dependency gave.
 */
function fingerprintOf(
  definition: Record<DefinitionPart, string>,
  inputsHash: string,
  dependencies: Record<string, string>,
): string {
  return hashText(JSON.stringify([definition, inputsHash, dependencies]));
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
