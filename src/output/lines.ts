/**
 * Cuts a stream of bytes into whole lines, so that no write ever carries half a line.
 *
 * @module
 */

/**
 * Holds the unfinished last line of a byte stream.
 *
 * @example
 * ```ts
 * import { LineSplitter } from "./lines.ts";
 * const s = new LineSplitter();
 * const text = (b?: Uint8Array) => new TextDecoder().decode(b);
 * text(s.push(new TextEncoder().encode("a\nb"))); // "a\n"
 * text(s.push(new TextEncoder().encode("c\n"))); // "bc\n"
 * ```
 */
export class LineSplitter {
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;

  /** Returns every whole line completed by `chunk` (with its newline), or `undefined` if none. */
  push(chunk: Uint8Array): Uint8Array | undefined {
    const newline = chunk.lastIndexOf(10);
    if (newline < 0) {
      this.#pending.push(chunk);
      this.#pendingBytes += chunk.length;
      return undefined;
    }
    const whole = this.#take(chunk.subarray(0, newline + 1));
    if (newline + 1 < chunk.length) {
      this.#pending.push(chunk.subarray(newline + 1));
      this.#pendingBytes = chunk.length - newline - 1;
    }
    return whole;
  }

  /** How many bytes of an unfinished line are held: the caller decides how many are too many. */
  get pending(): number {
    return this.#pendingBytes;
  }

  /** Returns the unfinished line, if any, and forgets it. */
  flush(): Uint8Array | undefined {
    return this.#pendingBytes ? this.#take(new Uint8Array(0)) : undefined;
  }

  #take(tail: Uint8Array): Uint8Array {
    if (this.#pendingBytes === 0) return tail;
    const out = new Uint8Array(this.#pendingBytes + tail.length);
    let at = 0;
    for (const part of this.#pending) {
      out.set(part, at);
      at += part.length;
    }
    out.set(tail, at);
    this.#pending = [];
    this.#pendingBytes = 0;
    return out;
  }
}
