/**
 * The queue of tasks that could start but wait for a free slot: a binary heap that hands out the
 * task with the longest remaining critical path first, file order breaking ties (as ninja does).
 *
 * @module
 */

/**
 * A max-heap of task indices by priority, lower index first among equals.
 *
 * @example
 * ```ts
 * import { ReadyQueue } from "./ready_queue.ts";
 * const q = new ReadyQueue(new Float64Array([1, 3, 3]));
 * q.push(0); q.push(2); q.push(1);
 * console.log(q.pop(), q.pop(), q.pop()); // 1 2 0
 * ```
 */
export class ReadyQueue {
  readonly #priority: ArrayLike<number>;
  readonly #heap: number[] = [];

  /** `priority[i]` is task `i`'s priority: higher starts sooner. */
  constructor(priority: ArrayLike<number>) {
    this.#priority = priority;
  }

  /** Number of waiting tasks. */
  get size(): number {
    return this.#heap.length;
  }

  /** Adds a task. O(log n). */
  push(task: number): void {
    const heap = this.#heap;
    let i = heap.push(task) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#before(task, heap[parent])) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = task;
  }

  /** Removes and returns the task to start next, or `undefined` when empty. O(log n). */
  pop(): number | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= heap.length) break;
      if (child + 1 < heap.length && this.#before(heap[child + 1], heap[child])) child++;
      if (!this.#before(heap[child], last)) break;
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = last;
    return top;
  }

  /** Empties the queue, returning what it held. */
  drain(): number[] {
    return this.#heap.splice(0);
  }

  #before(a: number, b: number): boolean {
    const pa = this.#priority[a];
    const pb = this.#priority[b];
    return pa > pb || (pa === pb && a < b);
  }
}
