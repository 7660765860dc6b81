/**
 * dagrun as a JSR package: one version everywhere, and `deno publish --dry-run` clean (no slow
 * types) with exactly the files users need.
 *
 * @module
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { VERSION } from "../mod.ts";
import { isDeno } from "./_helpers.ts";

const root = fileURLToPath(new URL(isDeno ? ".." : "../..", import.meta.url));
const config = JSON.parse(readFileSync(join(root, "deno.json"), "utf8"));

/**
 * Dynamic imports that cannot be analysed, and are meant not to be: a snippet's own `import()`,
 * whose specifier only the user's task file knows, and bullmq/ioredis, kept out of the module graph
 * of a local run (`src/remote/redis.ts`).
 */
const ALLOWED_WARNINGS = new Set([
  "warning[unanalyzable-dynamic-import] src/executors/snippet_imports.ts",
  "warning[unanalyzable-dynamic-import] src/remote/redis.ts",
]);

test("deno.json's version is the VERSION dagrun reports", () => {
  assert.equal(config.version, VERSION);
});

test("deno.json exports mod.ts as the package and cli.ts as ./cli", () => {
  assert.deepEqual(config.exports, { ".": "./mod.ts", "./cli": "./cli.ts" });
});

test(
  "deno publish --dry-run: no slow types, only mod.ts, cli.ts, src/, schema/, README, LICENSE",
  { skip: !isDeno && "publishing to JSR is done with Deno" },
  () => {
    const result = spawnSync(process.execPath, ["publish", "--dry-run", "--allow-dirty"], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
    });
    assert.equal(result.status, 0, result.stderr);
    const output = result.stdout + result.stderr;
    // Slow types and other findings fail the test, but for the imports no one can analyse ahead of
    // time, on purpose (ALLOWED_WARNINGS).
    const findings = [...output.matchAll(/^(error|warning)\[([\w-]+)\].*\n\s*--> (\S+?):\d+/gm)]
      .map(([, level, rule, file]) => `${level}[${rule}] ${file.slice(root.length)}`)
      .filter((f) => !ALLOWED_WARNINGS.has(f));
    assert.deepEqual(findings, []);
    assert.doesNotMatch(
      output.replace(/^warning\[unanalyzable-dynamic-import\]/gm, ""),
      /^(error|warning)\[/m,
    );
    const rootUrl = pathToFileURL(root).href.replace(/\/?$/, "/");
    const files = output.split("\n").map((l) => l.trim()).filter((l) => l.startsWith(rootUrl))
      .map((l) => l.slice(rootUrl.length, l.lastIndexOf(" (")));
    assert.ok(files.length > 10, output);
    const outside = files.filter((f) =>
      !["mod.ts", "cli.ts", "README.md", "LICENSE", "deno.json"].includes(f) && !/^(src|schema)\//.test(f)
    );
    assert.deepEqual(outside, []);
    for (const f of ["mod.ts", "cli.ts", "src/load.ts", "schema/tasks.schema.json", "README.md", "LICENSE"]) {
      assert.ok(files.includes(f), `${f} is published: ${files.join(" ")}`);
    }
  },
);
