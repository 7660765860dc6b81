/**
 * Byte helpers shared by the loader and the reporters.
 *
 * @module
 */

/**
 * Joins byte chunks into one array (the one chunk itself when there is only one).
 *
 * @example
 * ```ts
 * import { concatBytes } from "./bytes.ts";
 * concatBytes([new Uint8Array([1]), new Uint8Array([2, 3])]); // Uint8Array [1, 2, 3]
 * ```
 */
export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * `bytes` with `prefix` in front of every line: after each newline but a final one, and at the
 * start when `atLineStart`. The task's own bytes are kept as they are, whatever their encoding.
 *
 * @example
 * ```ts
 * import { prefixLines } from "./bytes.ts";
 * const e = (s: string) => new TextEncoder().encode(s);
 * new TextDecoder().decode(prefixLines(e("[a] "), e("x\ny\n"), true)); // "[a] x\n[a] y\n"
 * ```
 */
export function prefixLines(prefix: Uint8Array, bytes: Uint8Array, atLineStart: boolean): Uint8Array {
  let lines = atLineStart ? 1 : 0;
  for (let at = bytes.indexOf(10); at >= 0 && at < bytes.length - 1; at = bytes.indexOf(10, at + 1)) lines++;
  if (lines === 0) return bytes;
  const out = new Uint8Array(bytes.length + lines * prefix.length);
  let to = 0;
  let from = 0;
  if (atLineStart) {
    out.set(prefix);
    to = prefix.length;
  }
  for (let at = bytes.indexOf(10); at >= 0 && at < bytes.length - 1; at = bytes.indexOf(10, at + 1)) {
    out.set(bytes.subarray(from, at + 1), to);
    to += at + 1 - from;
    from = at + 1;
    out.set(prefix, to);
    to += prefix.length;
  }
  out.set(bytes.subarray(from), to);
  return out;
}
