/**
 * Grouped output: a task's output held back until it ends, then shown as one block (like
 * `make --output-sync`), so concurrent tasks never interleave.
 *
 * @module
 */
import { concatBytes } from "../output/bytes.ts";

/** One task's held output. */
interface Held {
  stdout: Uint8Array[];
  stderr: Uint8Array[];
}

/**
 * Holds each task's output, by task index, until the task's block is taken.
 *
 * @example
 * ```ts
 * import { OutputGroups } from "./grouped.ts";
 * const groups = new OutputGroups();
 * groups.add(0, "stdout", new TextEncoder().encode("a\n"));
 * groups.add(0, "stdout", new TextEncoder().encode("b\n"));
 * new TextDecoder().decode(groups.take(0)?.stdout); // "a\nb\n"
 * ```
 */
export class OutputGroups {
  readonly #held = new Map<number, Held>();

  /** Holds a chunk of task `index`'s output. */
  add(index: number, stream: "stdout" | "stderr", data: Uint8Array): void {
    let held = this.#held.get(index);
    if (!held) this.#held.set(index, held = { stdout: [], stderr: [] });
    held[stream].push(data);
  }

  /** Task `index`'s output so far, each stream joined (absent when empty), and forgets it. */
  take(index: number): { stdout?: Uint8Array; stderr?: Uint8Array } | undefined {
    const held = this.#held.get(index);
    if (!held) return undefined;
    this.#held.delete(index);
    return {
      stdout: held.stdout.length ? concatBytes(held.stdout) : undefined,
      stderr: held.stderr.length ? concatBytes(held.stderr) : undefined,
    };
  }

  /** Indices of the tasks with output still held. */
  pending(): number[] {
    return [...this.#held.keys()];
  }
}
