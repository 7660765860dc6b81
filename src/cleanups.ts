/**
 * The cleanups a run's tasks leave for its end, such as stopping the processes a task left in its
 * group (`ExecutorContext.defer`).
 *
 * @module
 */
import { intrinsics } from "./intrinsics.ts";

const { Promise: SafePromise } = intrinsics;

/**
 * Cleanups that wait for the run's end, unless the run is stopping: then they start at once, so
 * that leftover processes get the same grace as the running tasks, in parallel, not a second one
 * after.
 *
 * @example
 * ```ts
 * import { Cleanups } from "./cleanups.ts";
 * const cleanups = new Cleanups();
 * cleanups.add(async () => console.log("cleaned"));
 * await cleanups.run(); // cleaned
 * ```
 */
export class Cleanups {
  readonly #list: (() => Promise<void>)[] = [];
  #stopping = false;

  /** Registers `cleanup`: started by {@linkcode Cleanups.startAll} or {@linkcode Cleanups.run}. */
  readonly add = (cleanup: () => Promise<void>): void => {
    this.#list.push(this.#stopping ? started(cleanup) : cleanup);
  };

  /** The run is stopping: starts every cleanup now, and those added later at once. */
  startAll(): void {
    this.#stopping = true;
    for (let i = 0; i < this.#list.length; i++) this.#list[i] = started(this.#list[i]);
  }

  /** Runs every cleanup not started yet; settles when all have, failed or not. */
  run(): Promise<void> {
    return SafePromise.all(this.#list.map((cleanup) => cleanup().catch(() => {}))).then(() => {});
  }
}

/** Starts `cleanup` now; what it returns gives its promise (the same one on every call). */
function started(cleanup: () => Promise<void>): () => Promise<void> {
  const running = cleanup().catch(() => {});
  return () => running;
}
