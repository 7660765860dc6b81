/**
 * picomatch, the glob matcher, from npm: the loader checks that each `inputs`/`outputs` pattern
 * compiles. See `src/deps/jsonc_parser.ts` for why every npm package is imported from `src/deps/`.
 *
 * @module
 */
import picomatch from "npm:picomatch@^4.0.7";

export { picomatch };
