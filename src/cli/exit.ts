/**
 * The exit codes, in a module of their own so that `dagrun --version` and `--help` load nothing
 * else (see `cli.ts`).
 *
 * @module
 */

/** Exit codes, as documented in the README. */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;
