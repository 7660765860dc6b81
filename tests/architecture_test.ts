/**
 * The layering docs/architecture.md describes, checked on the sources: which folder of `src/` may
 * import which, and where the process may be exited. A change that breaks a rule fails here; if
 * the rule is what should change, change docs/architecture.md with it.
 *
 * @module
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { isDeno } from "./_helpers.ts";

const root = fileURLToPath(new URL(isDeno ? ".." : "../..", import.meta.url));

/** Every TypeScript file of `src/`, relative to the root, with `/` separators. */
const sources = readdirSync(join(root, "src"), { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile() && e.name.endsWith(".ts"))
  .map((e) => relative(root, join(e.parentPath, e.name)).replaceAll("\\", "/"));

/** A file's code without its comment lines (JSDoc examples import modules too). */
function code(file: string): string {
  return readFileSync(join(root, file), "utf8").split("\n").filter((l) => !/^\s*(\*|\/\/|\/\*)/.test(l))
    .join("\n");
}

/** The files `file` imports (statically or with `import()`), relative to the root. */
function importsOf(file: string): string[] {
  const text = code(file);
  const specifiers = [
    ...text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+["'](\.[^"']+)["']/gm),
    ...text.matchAll(/^import\s+["'](\.[^"']+)["']/gm),
    ...text.matchAll(/\bimport\(\s*["'](\.[^"']+)["']\s*\)/g),
  ].map((m) => m[1]);
  return specifiers.map((s) => join(dirname(file), s).replaceAll("\\", "/"));
}

/** The part of the tree a file belongs to: `src/report/` for a file in a folder, else the file. */
function area(file: string): string {
  const parts = file.split("/");
  return parts.length > 2 ? `${parts[0]}/${parts[1]}/` : file;
}

/** The scheduler's modules: tasks, executors and events; no terminal, no process, no Redis. */
const SCHEDULER = ["src/scheduler.ts", "src/task_states.ts", "src/task_runner.ts"];
const NOT_FOR_THE_SCHEDULER = ["src/cli/", "src/report/", "src/output/", "src/spawn/", "src/remote/"];

/** Which areas each area must never import. */
const FORBIDDEN: Record<string, string[]> = {
  ...Object.fromEntries(SCHEDULER.map((file) => [file, NOT_FOR_THE_SCHEDULER])),
  // An executor runs one task: it knows nothing of the run, its output or the command line.
  "src/executors/": [...SCHEDULER, "src/cli/", "src/report/"],
  // Reporters only listen to events and read reports.
  "src/report/": [...SCHEDULER, "src/executors/", "src/spawn/", "src/remote/", "src/cli/"],
};

/** The runtime-specific code imports nothing of dagrun's but these (and its own folders). */
const RUNTIME_SPECIFIC = ["src/spawn/", "src/runtime/"];
// src/output/budget.ts: the output budget decides when a task's pipes are read.
const RUNTIME_MAY_IMPORT = [...RUNTIME_SPECIFIC, "src/intrinsics.ts", "src/slot_queue.ts", "src/output/"];

test("src/ never imports mod.ts, cli.ts or the command line (src/cli/) from outside it", () => {
  const wrong = sources.flatMap((file) =>
    importsOf(file).filter((target) =>
      target === "mod.ts" || target === "cli.ts" || (area(target) === "src/cli/" && area(file) !== "src/cli/")
    ).map((target) => `${file} imports ${target}`)
  );
  assert.deepEqual(wrong, []);
});

test("each layer imports only what docs/architecture.md allows it", () => {
  const wrong = sources.flatMap((file) =>
    importsOf(file).filter((target) => FORBIDDEN[area(file)]?.includes(area(target)))
      .map((target) => `${file} imports ${target}`)
  );
  assert.deepEqual(wrong, []);
});

test("the runtime-specific code (src/spawn/, src/runtime/) stands on nothing else of dagrun's", () => {
  const wrong = sources.filter((file) => RUNTIME_SPECIFIC.includes(area(file))).flatMap((file) =>
    importsOf(file).filter((target) => !RUNTIME_MAY_IMPORT.includes(area(target)))
      .map((target) => `${file} imports ${target}`)
  );
  assert.deepEqual(wrong, []);
});

test("the rules name areas that exist, so a moved module cannot slip past them", () => {
  const areas = new Set(sources.map(area));
  const named = [...Object.entries(FORBIDDEN).flatMap(([from, to]) => [from, ...to]), ...RUNTIME_MAY_IMPORT];
  assert.deepEqual(named.filter((a) => !areas.has(a)), []);
});

test("library code never exits the process: only cli.ts sets the exit code", () => {
  const exits = sources.filter((file) => /\b(process|Deno)\.exit\s*\(/.test(code(file)));
  assert.deepEqual(exits, []);
});
