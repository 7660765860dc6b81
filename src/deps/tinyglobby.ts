/**
 * tinyglobby (fdir's crawler with picomatch's matching), from npm: expands a task's `inputs` and
 * `outputs` patterns. See `src/deps/jsonc_parser.ts` for why every npm package is imported from `src/deps/`.
 *
 * @module
 */
export { glob, type GlobOptions } from "npm:tinyglobby@^0.2.17";
