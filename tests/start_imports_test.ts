import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import process from "node:process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { isDeno } from "./_helpers.ts";

/**
 * The modules a plain run of an exec task loads on Deno: cli.ts, the run command, the task file
 * loader, the FFI spawn, and everything they import statically.
 */
const ROOTS = ["cli.ts", "src/cli/process_io.ts", "src/cli/run.ts", "src/load.ts", "src/spawn/ffi.ts"];

/**
 * Node built-ins that cost a start on Deno a good part of an empty `deno run` each (CPU, measured
 * beside it): the `runtime/` modules load them on Node only, the rest where a feature needs them.
 */
const HEAVY = ["node:fs", "node:fs/promises", "node:child_process", "node:console", "node:stream"];

interface Dependency {
  code?: { specifier: string };
  isDynamic?: boolean;
}

/** Each module's static imports of code (not types, not `import()`), from `deno info --json`. */
function staticImports(): Map<string, string[]> {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const graph = new Map<string, string[]>();
  for (const file of ROOTS) {
    const json = execFileSync(process.execPath, ["info", "--json", file], { cwd: root, encoding: "utf8" });
    const info = JSON.parse(json) as { modules: { specifier: string; dependencies?: Dependency[] }[] };
    for (const m of info.modules) {
      const deps = (m.dependencies ?? []).filter((d) => d.code && !d.isDynamic).map((d) => d.code!.specifier);
      graph.set(m.specifier, deps);
    }
  }
  return graph;
}

test(
  "a plain run on Deno loads no node:fs, node:child_process, node:console or node:stream",
  { skip: !isDeno && "Deno's start" },
  () => {
    const graph = staticImports();
    const root = new URL("..", import.meta.url);
    const seen = new Map<string, string>();
    const queue = ROOTS.map((r) => [new URL(r, root).href, "(root)"]);
    while (queue.length) {
      const [module, from] = queue.pop()!;
      if (seen.has(module)) continue;
      seen.set(module, from);
      for (const dep of graph.get(module) ?? []) queue.push([dep, module]);
    }
    const heavy = HEAVY.filter((m) => seen.has(m)).map((m) => `${m} (imported by ${seen.get(m)})`);
    assert.deepEqual(heavy, []);
    assert.ok(seen.size > 20, `the graph was read: ${seen.size} modules`);
  },
);
