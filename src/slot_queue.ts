/**
 * A limited number of slots (running processes, worker threads) taken in first-come order, with
 * waits that give up when their task is stopped. Its owner (an executor's run instance) holds it:
 * nothing is shared through the module, so two runs never wait for each other's slots.
 *
 * @module
 */
import { intrinsics } from "./intrinsics.ts";

// Named apart: a local `Promise` would hide the global type from the docs of the exports.
const { Promise: SafePromise } = intrinsics;

/**
 * Subscribes `listener` to a stop; returns what removes it. `ExecutorContext.onStop` is one: it
 * costs O(1), where a listener on a signal shared by every task costs O(tasks waiting).
 */
export type OnStop = (listener: () => void) => () => void;

/**
 * Slots taken in first-come order: a taker waits while every slot is taken or others wait before
 * it, and a slot given back goes to the first waiter. A wait ends without a slot when the taker
 * is stopped. `limit` may be lowered at any time (slots taken stay taken).
 *
 * @example
 * ```ts
 * import { SlotQueue } from "./slot_queue.ts";
 * const slots = new SlotQueue(1);
 * await slots.take(); // true: the one slot
 * const second = slots.take(); // waits
 * slots.release();
 * console.log(await second, slots.used); // true 1
 * ```
 */
export class SlotQueue {
  /** Most slots taken at once. */
  limit: number;
  #used = 0;
  readonly #waiters: (() => void)[] = [];

  /** A queue of `limit` slots. Default: `Infinity`, no limit (still first-come when waits happen). */
  constructor(limit: number = Infinity) {
    this.limit = limit;
  }

  /** How many slots are taken. */
  get used(): number {
    return this.#used;
  }

  /** How many takers wait. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /**
   * Takes a slot: at once when one is free and nobody waits, else when its turn comes. Resolves
   * to `true` with the slot taken (give it back with {@linkcode SlotQueue.release}), or `false`
   * when `signal` is aborted first (at once if it is): the taker leaves the queue, no slot taken.
   * `onStop` tells of the stop instead of a listener on `signal`. Default: no stop.
   */
  take(signal?: AbortSignal, onStop?: OnStop): Promise<boolean> {
    if (signal?.aborted) return SafePromise.resolve(false);
    if (this.#waiters.length === 0 && this.#used < this.limit) {
      this.#used++;
      return SafePromise.resolve(true);
    }
    return this.#wait(false, signal, onStop);
  }

  /**
   * Gives back the slot taken and waits at the head of the queue for the next one: for a taker
   * that could not use its slot yet (the system refused what it was for) and is to go first when
   * room is made ({@linkcode SlotQueue.release}, {@linkcode SlotQueue.wake}). Resolves as `take`.
   */
  retake(signal?: AbortSignal, onStop?: OnStop): Promise<boolean> {
    this.#used--;
    if (!signal?.aborted) return this.#wait(true, signal, onStop);
    this.wake();
    return SafePromise.resolve(false);
  }

  /** Gives back a slot; the first waiter takes it. */
  release(): void {
    this.#used--;
    this.wake();
  }

  /** Lets the first waiter take a slot, if one is free: after room may have been made elsewhere. */
  wake(): void {
    if (this.#waiters.length > 0 && this.#used < this.limit) {
      this.#used++;
      this.#waiters.shift()!();
    }
  }

  #wait(
    first: boolean,
    signal: AbortSignal | undefined,
    onStop = signal && listenTo(signal),
  ): Promise<boolean> {
    return new SafePromise((resolve) => {
      const go = () => {
        off?.();
        resolve(true);
      };
      if (first) this.#waiters.unshift(go);
      else this.#waiters.push(go);
      const off = onStop?.(() => {
        const at = this.#waiters.indexOf(go);
        if (at >= 0) this.#waiters.splice(at, 1);
        resolve(false);
      });
    });
  }
}

function listenTo(signal: AbortSignal): OnStop {
  return (listener) => {
    signal.addEventListener("abort", listener, { once: true });
    return () => signal.removeEventListener("abort", listener);
  };
}
