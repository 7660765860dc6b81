/**
 * Runs the test suite on Node: builds the npm package (with its compiled tests, see
 * `build_npm.ts`) and runs every compiled test file with `node --test`, so that the CLI tests spawn
 * `node npm/cli.js` and the library tests import the built modules.
 *
 * Usage: `deno task test:node [--built] [node --test options]`, e.g. `--test-name-pattern=example`;
 * `--built`: test the build already in `npm/` (as `test_all.ts` does) instead of building first.
 *
 * Two test files run at once, as `deno test --parallel` runs them on a 2-core machine (Node's own
 * default, one less than the cores, would run them one at a time there); their timing bounds are
 * relations and generous limits that hold while another file competes for the cores.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { basename, join, relative } from "node:path";
import process from "node:process";
import { buildNpm, isFixture, outDir, root, walk } from "./build_npm.ts";
import { longFirst } from "./test_order.ts";

/** `deno test`'s default test file names: `test.ts`, `*_test.ts`, `*.test.ts` (here compiled). */
const TEST_FILE = /^(.*[._])?test\.js$/;

if (import.meta.main) {
  const args = process.argv.slice(2);
  if (args[0] === "--built") args.shift();
  else buildNpm({ dryRunPack: false });
  const files = longFirst(
    walk(relative(root, join(outDir, "tests"))).filter((f) => TEST_FILE.test(basename(f)) && !isFixture(f)),
  );
  if (files.length === 0) throw new Error(`no test files in ${outDir}/tests`);
  const node = ["--test", "--test-concurrency=2", "--test-reporter=spec", ...args, ...files];
  console.log(`node ${node.join(" ")}`);
  const result = spawnSync("node", node, { cwd: root, stdio: "inherit" });
  process.exit(result.status ?? 1);
}
