/**
 * Keeps an inline snippet from ending dagrun: while a run goes on, `process.exit` and `Deno.exit`
 * called from a snippet's code throw a {@linkcode SnippetExit} into the snippet instead, so its
 * task fails with that exit code and the other tasks, the report and the cleanup go on. Calls
 * from any other code (the program that embeds dagrun) still end the process.
 *
 * @module
 */
import process from "node:process";
import { SOURCE_PREFIX } from "./snippet_compile.ts";
import { SnippetExit } from "./snippet_errors.ts";

type Exit = (code?: number | string | null) => never;

let guards = 0;
let restore: (() => void) | undefined;

/**
 * Puts the guard in place until the returned function is called (guards nest: the last one out
 * restores the originals). `always`: every call throws, for a thread that runs nothing but one
 * snippet.
 *
 * @example
 * ```ts
 * import { guardExits } from "./exit_guard.ts";
 * const unguard = guardExits();
 * try {
 *   // run snippets
 * } finally {
 *   unguard();
 * }
 * ```
 */
export function guardExits(options: { always?: boolean } = {}): () => void {
  if (guards++ === 0) restore = install(options.always ?? false);
  let done = false;
  return () => {
    if (done) return;
    done = true;
    if (--guards === 0) restore?.();
  };
}

function install(always: boolean): () => void {
  const deno = (globalThis as { Deno?: { exit: Exit } }).Deno;
  const originals = { process: process.exit, deno: deno?.exit };
  const guarded = (via: string, original: Exit): Exit =>
    function exit(code) {
      if (!always && !calledFromSnippet()) return original(code);
      const n = code === undefined || code === null ? Number(process.exitCode ?? 0) : Number(code);
      throw new SnippetExit(Number.isInteger(n) ? n : 1, via);
    };
  process.exit = guarded("process.exit", originals.process);
  if (deno && originals.deno) deno.exit = guarded("Deno.exit", originals.deno);
  return () => {
    process.exit = originals.process;
    if (deno && originals.deno) deno.exit = originals.deno;
  };
}

/** Whether a snippet's code is on the stack, however deep (a helper it calls may be the caller). */
function calledFromSnippet(): boolean {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = Infinity;
  try {
    return (new Error().stack ?? "").includes(SOURCE_PREFIX);
  } finally {
    Error.stackTraceLimit = limit;
  }
}
