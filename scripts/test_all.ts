/**
 * The whole suite, as `npm test` runs it: its parts one after another, each streaming its output.
 *
 * - `check`: `deno check` of the sources, tests and scripts, once (the parts below do not check again);
 * - `deno`: every test file on Deno (`deno test --parallel`, as many files at a time as the machine
 *   has cores), the longest started first;
 * - `spawn-default`: `deno task test:spawn-default`, the spawn, controls, faults and output tests
 *   again on Deno, spawning through `Deno.Command` instead of the FFI spawn;
 * - `build`: the npm package, built once for the two parts after it;
 * - `node`: the suite on Node against that build (`test_node.ts --built`);
 * - `package`: the same build packed, installed and used as a user gets it (`test_package.ts --built`).
 *
 * The parts run one at a time, not at once: many tests start hundreds of processes or measure
 * memory and wall time, and on a machine with two cores parts run side by side were slower in all
 * and failed on load rather than on code. A failed part does not stop the later ones (except that
 * `node` and `package` need the build), so one run shows every failure. Exits 1 when any failed.
 *
 * Usage: `deno task test:all` (what `npm test` runs)
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { root } from "./build_npm.ts";
import { longFirst } from "./test_order.ts";

/** One part of the suite: `deno` with these arguments in the repository's root. */
interface Part {
  name: string;
  args: string[];
  /** A part that must have passed for this one to run. */
  needs?: string;
}

/** `deno task test:deno`'s files (`deno test`'s default names in tests/), the long ones first. */
function denoTestFiles(): string[] {
  const files = readdirSync(join(root, "tests")).filter((f) => /^(.*[._])?test\.ts$/.test(f));
  return longFirst(files.map((f) => `tests/${f}`));
}

const PARTS: Part[] = [
  // Type-checked once here, so that the parts below need not: under `deno test` each worker thread
  // a test starts checks its module again (20 s of the Deno part).
  { name: "check", args: ["check", "mod.ts", "reporters.ts", "cli.ts", "src/", "tests/", "scripts/"] },
  { name: "deno", args: ["test", "--allow-all", "--no-check", "--parallel", ...denoTestFiles()] },
  { name: "spawn-default", args: ["task", "test:spawn-default"] },
  { name: "build", args: ["run", "--allow-all", "scripts/build_npm.ts"] },
  { name: "node", args: ["run", "--allow-all", "scripts/test_node.ts", "--built"], needs: "build" },
  {
    name: "package",
    args: ["run", "--allow-all", "scripts/test_package.ts", "--built"],
    needs: "build",
  },
];

/** The part running now, if any. */
let running: ChildProcess | undefined;
/** Whether a SIGTERM came: the part running is stopped and no other starts. */
let terminated = false;

const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(0)} s`;

/** Runs a part to its end, its output going straight to ours; resolves to whether it exited 0. */
function runPart(part: Part): Promise<boolean> {
  console.log(`\n===== [${elapsed()}] ${part.name}: deno ${part.args.join(" ")} =====`);
  const child = spawn(process.execPath, part.args, { cwd: root, stdio: "inherit" });
  running = child;
  return new Promise((resolve) => {
    child.once("error", (e) => {
      console.log(`${part.name}: could not start: ${e.message}`);
      resolve(false);
    });
    child.once("close", (code, signal) => {
      running = undefined;
      const ok = code === 0;
      console.log(`===== [${elapsed()}] ${part.name}: ${ok ? "ok" : `FAILED (${code ?? signal})`} =====`);
      resolve(ok);
    });
  });
}

if (import.meta.main) {
  // Ctrl-C reaches the running part from the terminal; a CI's SIGTERM to this script alone is
  // passed on to it.
  process.once("SIGTERM", () => {
    terminated = true;
    running?.kill("SIGTERM");
  });
  const failed: string[] = [];
  for (const part of PARTS) {
    if (terminated) process.exit(143);
    if (part.needs && failed.includes(part.needs)) {
      console.log(`\n${part.name}: not run (${part.needs} failed)`);
      failed.push(part.name);
    } else if (!await runPart(part)) {
      failed.push(part.name);
    }
  }
  console.log(
    failed.length ? `\nFailed: ${failed.join(", ")} (${elapsed()})` : `\nAll parts passed in ${elapsed()}`,
  );
  process.exit(failed.length ? 1 : 0);
}
