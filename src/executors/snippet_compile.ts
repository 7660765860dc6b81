/**
 * Compiling an eval task's snippet: the body of an async function of `console`, `signal` and the
 * importer, marked so that its stack frames name the task, and a bounded cache of compiled code.
 *
 * @module
 */
import type { Task } from "../task.ts";
import { IMPORT_NAME, renameImports } from "./snippet_imports.ts";

const AsyncFunction = (async () => {}).constructor as new (...args: string[]) => (
  ...args: unknown[]
) => Promise<unknown>;

/** Marks snippet code in stack traces, so a late error can be traced back to its task. */
export const SOURCE_PREFIX = "dagrun-task:";

/** A compiled snippet: call it with the task's console and signal. */
export type Body = (console: Console, signal: AbortSignal, importer: Importer) => Promise<unknown>;

/** What a snippet's `import(…)` calls: see `snippet_imports.ts`. */
export type Importer = (specifier: unknown, options?: ImportCallOptions) => Promise<unknown>;

/**
 * Compiled snippets by their code. A compile costs about 8 µs (measured: 100 000 distinct
 * snippets), more than the rest of a small task, and generated task files repeat code. The first
 * task to compile a code names it in stack traces; bounded, so distinct snippets cannot pile up.
 */
const compiled = new Map<string, { body: Body; owner: string }>();
const MAX_COMPILED = 1024;
/**
 * Tasks whose compiled code other tasks reuse: a frame naming them may come from any of those.
 * Cleared with the cache, so that it is as bounded as the cache.
 */
const sharedOwners = new Set<string>();

/**
 * Compiles `task.arguments` as the body of an async function of `console`, `signal` and the
 * importer its `import(…)` calls are renamed to, marked so that its stack frames name the task.
 *
 * @throws {SyntaxError} when the snippet does not parse.
 * @example
 * ```ts
 * import { compile } from "./snippet_compile.ts";
 * import { taskConsole } from "./snippet_console.ts";
 * import { importFrom } from "./snippet_imports.ts";
 * const body = compile({ name: "a", type: "eval", arguments: "console.log(1)" });
 * await body(taskConsole(() => {}), new AbortController().signal, importFrom("."));
 * ```
 */
export function compile(task: Task): Body {
  const hit = compiled.get(task.arguments);
  if (hit) {
    if (hit.owner !== task.name) sharedOwners.add(hit.owner);
    return hit.body;
  }
  const body = new AsyncFunction(
    "console",
    "signal",
    IMPORT_NAME,
    `${renameImports(task.arguments)}\n//# sourceURL=${SOURCE_PREFIX}${encodeName(task.name)}`,
  ) as Body;
  if (compiled.size >= MAX_COMPILED) {
    compiled.clear();
    sharedOwners.clear();
  }
  compiled.set(task.arguments, { body, owner: task.name });
  return body;
}

/**
 * Whether other tasks run `owner`'s compiled code, so that a stack frame naming `owner` may be
 * any of them.
 *
 * @example
 * ```ts
 * import { isSharedCode } from "./snippet_compile.ts";
 * isSharedCode("build"); // false until another task compiles build's code
 * ```
 */
export function isSharedCode(owner: string): boolean {
  return sharedOwners.has(owner);
}

/** Percent-encodes all but letters, digits, `_` and `-`, so a name never runs into the stack's punctuation. */
function encodeName(name: string): string {
  return encodeURIComponent(name).replace(
    /[^\w%-]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
