/**
 * jsonc-parser (JSON with comments, positions of every value), from npm. Every npm package dagrun
 * uses is imported in one file of `src/deps/` with an `npm:` specifier and a version range, so the
 * code runs from a URL with no import map or `node_modules` of ours; `scripts/build_npm.ts` turns
 * the specifiers into bare names and lists the ranges in the package's dependencies.
 *
 * @module
 */
export { createScanner, parse, type ParseError, printParseErrorCode } from "npm:jsonc-parser@^3.3.1";
