/**
 * dagrun's version, as `dagrun --version` prints it and the npm package is published.
 *
 * @example
 * ```ts
 * import { VERSION } from "@dagrun/dagrun";
 * console.log(`dagrun ${VERSION}`); // as `dagrun --version` prints it
 * ```
 */
export const VERSION = "0.1.0";
