/**
 * One running attempt of a task: the context its executor gets, and what the scheduler tells it
 * (stop, die). A run of a million eval tasks has 140 000 attempts in flight at once, so an
 * attempt is one object with few closures. Measured on that run (peak RSS, no reporter): an
 * AbortController and a listener on it per attempt, 2.2 GB; listener lists and closures per
 * attempt, 1.44 GB; this, 1.0 GB, as much as with executors that do nothing.
 *
 * @module
 */
import type { ExecutorContext } from "./executors/types.ts";

/** None, one, or several listeners: most attempts have one of each kind, or none. */
type Listeners = (() => void) | (() => void)[] | undefined;

/** What an attempt needs from its run. */
export interface AttemptOptions {
  /** The run's stop signal; the attempt's own signal when `timeout` is set is aborted with it. */
  stopSignal: AbortSignal;
  /** The run's kill signal. */
  killSignal: AbortSignal;
  /** Whether the attempt needs a signal of its own (it has a timeout). */
  ownSignal: boolean;
  graceMs: number;
  cwd: string | undefined;
  /** Default: the current directory. */
  baseDir?: string;
  output: ExecutorContext["output"];
  defer: ExecutorContext["defer"];
  /** Called by `started()`, for an executor that starts tasks later. Default: nothing. */
  started?: ExecutorContext["started"];
  /** Default: none, there is nothing held back to write out. */
  flushOutput?: () => void;
}

/**
 * An attempt's {@linkcode ExecutorContext}. Its `signal` is the run's stop signal unless it has
 * a signal of its own (a task with a timeout); `stop()` and `kill()` tell its executor.
 *
 * @example
 * ```ts
 * import { Attempt } from "./attempt.ts";
 * const attempt = new Attempt({
 *   stopSignal: new AbortController().signal, killSignal: new AbortController().signal,
 *   ownSignal: true, graceMs: 2000, cwd: undefined, output: () => {}, defer: () => {},
 * });
 * attempt.onStop(() => console.log("stopping"));
 * attempt.stop(); // stopping
 * ```
 */
export class Attempt implements ExecutorContext {
  readonly signal: AbortSignal;
  readonly killSignal: AbortSignal;
  readonly graceMs: number;
  readonly cwd: string | undefined;
  readonly baseDir: string | undefined;
  readonly output: ExecutorContext["output"];
  readonly defer: ExecutorContext["defer"];
  readonly started: ExecutorContext["started"];
  readonly flushOutput: (() => void) | undefined;
  readonly #own: AbortController | undefined;
  #onStop: Listeners;
  #onKill: Listeners;
  #stopped = false;
  #killed = false;

  constructor(options: AttemptOptions) {
    this.#own = options.ownSignal ? new AbortController() : undefined;
    this.signal = this.#own?.signal ?? options.stopSignal;
    this.killSignal = options.killSignal;
    this.graceMs = options.graceMs;
    this.cwd = options.cwd;
    this.baseDir = options.baseDir;
    this.output = options.output;
    this.defer = options.defer;
    this.started = options.started ?? noop;
    this.flushOutput = options.flushOutput;
    if (options.stopSignal.aborted) this.stop();
    if (options.killSignal.aborted) this.kill();
  }

  onStop(listener: () => void): () => void {
    if (this.#stopped) return listener(), noop;
    this.#onStop = add(this.#onStop, listener);
    return () => void (this.#onStop = remove(this.#onStop, listener));
  }

  onKill(listener: () => void): () => void {
    if (this.#killed) return listener(), noop;
    this.#onKill = add(this.#onKill, listener);
    return () => void (this.#onKill = remove(this.#onKill, listener));
  }

  /** Aborts the attempt's own signal, if it has one, and calls its stop listeners, once. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#own?.abort();
    const listeners = this.#onStop;
    this.#onStop = undefined;
    call(listeners);
  }

  /** Calls its kill listeners, once. */
  kill(): void {
    if (this.#killed) return;
    this.#killed = true;
    const listeners = this.#onKill;
    this.#onKill = undefined;
    call(listeners);
  }
}

function noop(): void {}

function add(list: Listeners, listener: () => void): Listeners {
  if (list === undefined) return listener;
  return typeof list === "function" ? [list, listener] : (list.push(listener), list);
}

function remove(list: Listeners, listener: () => void): Listeners {
  if (list === listener) return undefined;
  if (Array.isArray(list)) {
    const at = list.indexOf(listener);
    if (at >= 0) list.splice(at, 1);
  }
  return list;
}

function call(list: Listeners): void {
  if (typeof list === "function") list();
  else for (const listener of list ?? []) listener();
}
