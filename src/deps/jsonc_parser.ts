/**
 * jsonc-parser (JSON with comments, positions of every value), from npm. See `src/deps/ajv.ts` for
 * why every npm package is imported from `src/deps/`.
 *
 * @module
 */
export { createScanner, parse, type ParseError, printParseErrorCode } from "npm:jsonc-parser@^3.3.1";
