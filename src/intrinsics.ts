/**
 * The globals dagrun's own code uses while a run goes on, taken when it loads. An inline snippet
 * shares the process's globals and may replace them (`globalThis.Promise = null`,
 * `globalThis.setTimeout = …`); modules that take them from here go on working, so such a
 * snippet breaks only itself. A module does `const { Promise, setTimeout } = intrinsics;`.
 *
 * @module
 */

/**
 * The globals as they were when dagrun loaded.
 *
 * @example
 * ```ts
 * import { intrinsics } from "./intrinsics.ts";
 * const { Promise, setTimeout } = intrinsics;
 * await new Promise((resolve) => setTimeout(resolve, 1));
 * ```
 */
export const intrinsics = Object.freeze({
  Promise: globalThis.Promise,
  setTimeout: globalThis.setTimeout,
  clearTimeout: globalThis.clearTimeout,
  setInterval: globalThis.setInterval,
  clearInterval: globalThis.clearInterval,
  queueMicrotask: globalThis.queueMicrotask,
  TextEncoder: globalThis.TextEncoder,
  TextDecoder: globalThis.TextDecoder,
  /** `performance.now`, bound. */
  now: globalThis.performance.now.bind(globalThis.performance),
});
