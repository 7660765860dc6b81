/**
 * Fewer, larger writes: a run of 100 000 tasks prints 200 000 `Started`/`Ended` lines, and one
 * write call each cost about a third of the whole run (profiled). Writes made in one turn of the
 * event loop are passed on together, in order, each whole.
 *
 * @module
 */
import type { Write } from "../report/format.ts";
import { concatBytes } from "./bytes.ts";
import { intrinsics } from "../intrinsics.ts";

const { setTimeout, TextEncoder } = intrinsics;

/** How much is held before it is written at once, in characters or bytes. */
const LIMIT = 64 * 1024;

const encoder = new TextEncoder();

/**
 * Holds writes until the end of the current event-loop turn (or until {@linkcode LIMIT} is
 * reached), then passes each stream's consecutive writes to `sink` as one. The order of writes
 * across both streams is kept, and a write is never split, so a line written whole stays whole.
 *
 * @example
 * ```ts
 * import { WriteBatch } from "./batch.ts";
 * const batch = new WriteBatch((stream, data) => console.log(stream, JSON.stringify(String(data))));
 * batch.write("stdout", "a\n");
 * batch.write("stdout", "b\n");
 * batch.flush(); // stdout "a\nb\n"
 * ```
 */
export class WriteBatch {
  readonly #sink: Write;
  #stream: "stdout" | "stderr" = "stdout";
  #parts: (string | Uint8Array)[] = [];
  #size = 0;
  #scheduled = false;

  /** `sink` receives the joined writes. */
  constructor(sink: Write) {
    this.#sink = sink;
  }

  /** Queues `data` for `stream`; it reaches the sink by the end of this event-loop turn. */
  readonly write: Write = (stream, data) => {
    if (stream !== this.#stream) this.flush();
    this.#stream = stream;
    this.#parts.push(data);
    this.#size += data.length;
    if (this.#size >= LIMIT) this.flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setTimeout(() => {
        this.#scheduled = false;
        this.flush();
      }, 0);
    }
  };

  /** How much is held: characters and bytes. */
  get size(): number {
    return this.#size;
  }

  /** Passes on everything held, now. */
  flush(): void {
    const parts = this.#parts;
    if (parts.length === 0) return;
    this.#parts = [];
    this.#size = 0;
    const text = parts.every((p) => typeof p === "string");
    this.#sink(
      this.#stream,
      text
        ? (parts as string[]).join("")
        : concatBytes(parts.map((p) => typeof p === "string" ? encoder.encode(p) : p)),
    );
  }
}
