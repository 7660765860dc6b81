/**
 * One budget for the task output dagrun holds, all tasks together: unfinished lines, chunks that
 * wait for their turn at the terminal, grouped blocks. While it is spent, the pipes of every task
 * but the one that holds the output are not read (the children block on a full pipe, as under
 * make), so that the bound does not grow with the number of tasks printing at once.
 *
 * @module
 */
import { intrinsics } from "../intrinsics.ts";

// Named apart: a local `Promise` would hide the global type from the docs of the exports.
const { Promise: SafePromise } = intrinsics;

/** Task output held at once, in bytes, all tasks together, before the pipes stop being read. */
export const HOLD_BYTES = 8 * 1024 * 1024;

/**
 * What a task's pipes obey: whether they may be read now. A spawner asks before each read (or, if
 * it cannot ask before, right after each chunk, and whenever the gate closes).
 *
 * @example
 * ```ts
 * import type { ReadGate } from "./budget.ts";
 * const open: ReadGate = { wait: () => undefined, onClose: () => () => {} };
 * ```
 */
export interface ReadGate {
  /** `undefined` when the pipes may be read now, else a promise settled once they may. */
  wait(): Promise<void> | undefined;
  /** Calls `listener` each time the gate closes; returns the function that stops that. */
  onClose(listener: () => void): () => void;
}

/**
 * Counts the bytes of task output held and closes the read gate of every task but one (the
 * holder of the output, which must go on for anything to be freed) once `limit` is reached. It
 * opens again at half the limit.
 *
 * @example
 * ```ts
 * import { OutputBudget } from "./budget.ts";
 * const budget = new OutputBudget(100);
 * const task = {};
 * budget.add(100);
 * budget.spent; // true
 * budget.gate(task).wait(); // a promise: task's pipes wait
 * budget.remove(60);
 * budget.spent; // false
 * ```
 */
export class OutputBudget {
  readonly #limit: number;
  #held = 0;
  #peak = 0;
  #spent = false;
  #exempt: object | undefined;
  /** Set while the output itself is behind (see {@linkcode waitFor}): every gate waits for it. */
  #behind: Promise<void> | undefined;
  #waiting: { key: object; resume: () => void }[] = [];
  readonly #listeners = new Set<() => void>();

  /** A budget of `limit` bytes. */
  constructor(limit: number = HOLD_BYTES) {
    this.#limit = limit;
  }

  /** The bytes it allows before the gate closes. */
  get limit(): number {
    return this.#limit;
  }

  /** Bytes held now. */
  get held(): number {
    return this.#held;
  }

  /** The most bytes held at once so far. */
  get peak(): number {
    return this.#peak;
  }

  /** Whether the gate is closed: the limit was reached and the held bytes are not down to half yet. */
  get spent(): boolean {
    return this.#spent;
  }

  /** `bytes` more are held. */
  add(bytes: number): void {
    this.#held += bytes;
    if (this.#held > this.#peak) this.#peak = this.#held;
    if (this.#spent || this.#held < this.#limit) return;
    this.#spent = true;
    for (const listener of [...this.#listeners]) listener();
  }

  /** `bytes` fewer are held. */
  remove(bytes: number): void {
    this.#held -= bytes;
    if (this.#spent && this.#held <= this.#limit / 2) {
      this.#spent = false;
      this.#resume(() => true);
    }
  }

  /** The task (by its key) whose pipes are read while the gate is closed; `undefined`: none. */
  exempt(key: object | undefined): void {
    this.#exempt = key;
    if (key !== undefined) this.#resume((k) => k === key);
  }

  /**
   * The output itself is behind (a slow reader): the pipes of every task, the exempt one's too,
   * wait until `caughtUp` settles. A pipe read already under way still lands, but no more are
   * started, so what dagrun takes from the tasks meanwhile does not grow with how many there are.
   */
  waitFor(caughtUp: Promise<unknown>): void {
    if (this.#behind) return;
    const behind: Promise<void> = caughtUp.then(() => {}, () => {}).then(() => {
      if (this.#behind === behind) this.#behind = undefined;
    });
    this.#behind = behind;
    for (const listener of [...this.#listeners]) listener();
  }

  /** The gate of the task known by `key`. */
  gate(key: object): ReadGate {
    return {
      wait: () => {
        if (this.#behind) return this.#behind;
        if (!this.#spent || key === this.#exempt) return undefined;
        return new SafePromise<void>((resume) => this.#waiting.push({ key, resume }));
      },
      onClose: (listener) => {
        this.#listeners.add(listener);
        return () => void this.#listeners.delete(listener);
      },
    };
  }

  #resume(which: (key: object) => boolean): void {
    const go = this.#waiting.filter((w) => which(w.key));
    if (!go.length) return;
    this.#waiting = this.#waiting.filter((w) => !which(w.key));
    for (const w of go) w.resume();
  }
}

/** The budget each task's output is held in, by task: set by the reporter, asked by the executor. */
const budgets = new WeakMap<object, OutputBudget>();

/**
 * Says that `task`'s output is held in `budget`: its pipes obey that budget's gate.
 *
 * @example
 * ```ts
 * import { OutputBudget, readGateOf, useBudget } from "./budget.ts";
 * const task = {};
 * useBudget(task, new OutputBudget());
 * readGateOf(task)?.wait(); // undefined: nothing is held
 * ```
 */
export function useBudget(task: object, budget: OutputBudget): void {
  budgets.set(task, budget);
}

/**
 * The read gate of `task`'s pipes, if whoever shows its output holds it in a budget.
 *
 * @example
 * ```ts
 * import { readGateOf } from "./budget.ts";
 * readGateOf({}); // undefined: no budget, the pipes are always read
 * ```
 */
export function readGateOf(task: object): ReadGate | undefined {
  return budgets.get(task)?.gate(task);
}
