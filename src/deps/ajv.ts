/**
 * ajv, the JSON Schema validator, from npm. Every npm package dagrun uses is imported in one file
 * of `src/deps/` with an `npm:` specifier and a version range, so the code runs from a URL with no
 * import map or `node_modules` of ours; `scripts/build_npm.ts` turns the specifiers into bare names
 * and lists the ranges in the package's dependencies.
 *
 * @module
 */
export { Ajv, type ErrorObject, type ValidateFunction } from "npm:ajv@^8.17.1";
