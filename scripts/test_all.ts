/**
 * The whole suite, as `npm test` runs it: two lanes of parts at once, each part's output printed
 * whole when it ends.
 *
 * - lane 1, on Deno:
 *   - `check`: `deno check` of the sources, tests and scripts, once (the parts below do not check
 *     again: under `deno test` each eval worker thread a test starts checked its module again);
 *   - `deno`: every test file on Deno (`deno test --parallel`, as many files at a time as the
 *     machine has cores), the longest started first;
 *   - `spawn-default`: `deno task test:spawn-default`, the spawn, controls, faults and output
 *     tests again on Deno, spawning through `Deno.Command` instead of the FFI spawn;
 * - lane 2, on Node:
 *   - `build`: the npm package, built once for the two parts after it;
 *   - `node`: the suite on Node against that build (`test_node.ts --built`);
 *   - `package`: the same build packed, installed and used as a user gets it
 *     (`test_package.ts --built`).
 *
 * The lanes run side by side because most long test files wait (workers lost, Redis gone, readers
 * that sleep) rather than compute: on the 2-core machine the suite took 420 s one part at a time
 * and 300 s in two lanes. Within a lane the parts run in turn. A failed part does not stop the
 * later ones (except that `node` and `package` need the build), so one run shows every failure.
 * A line every minute names the parts still running. Exits 1 when any part failed, after printing
 * again, last, each failed part's failures (a CI log is often read from its tail, and the part
 * that failed may have ended minutes before the suite did).
 *
 * Usage: `deno task test:all` (what `npm test` runs)
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { stripVTControlCharacters } from "node:util";
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

const LANES: Part[][] = [
  [
    { name: "check", args: ["check", "mod.ts", "reporters.ts", "cli.ts", "src/", "tests/", "scripts/"] },
    { name: "deno", args: ["test", "--allow-all", "--no-check", "--parallel", ...denoTestFiles()] },
    { name: "spawn-default", args: ["task", "test:spawn-default"] },
  ],
  [
    { name: "build", args: ["run", "--allow-all", "scripts/build_npm.ts"] },
    { name: "node", args: ["run", "--allow-all", "scripts/test_node.ts", "--built"], needs: "build" },
    {
      name: "package",
      args: ["run", "--allow-all", "scripts/test_package.ts", "--built"],
      needs: "build",
    },
  ],
];

/** The parts running now, with what they wrote so far. */
const running = new Map<Part, { child: ChildProcess; output: Buffer[] }>();
/** The whole output of each part that failed, by name. */
const failedOutput = new Map<string, string>();
/** Set by SIGINT or SIGTERM: the running parts are stopped and no other starts. */
let stoppedBy: NodeJS.Signals | undefined;

const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(0)} s`;

/** Prints a part's output whole, between a header and the line that says how it ended. */
function print(part: Part, output: Buffer[], end: string): void {
  process.stdout.write(`\n===== ${part.name}: deno ${part.args.join(" ")} =====\n`);
  process.stdout.write(Buffer.concat(output));
  process.stdout.write(`===== [${elapsed()}] ${part.name}: ${end} =====\n`);
}

/** The report's lines past this many are elided in the middle by {@linkcode failures}. */
const FAILURES_LINES = 60;

/**
 * The part of a test run's output that says what failed: from `deno test`'s ` ERRORS ` heading or
 * `node --test`'s `✖ failing tests:` to the end, or else its last lines. When that is long, its
 * start (the first error, in full) and its end (the list of failed tests and the counts) are kept.
 */
export function failures(output: string): string {
  // deno test colors its headings even into a pipe.
  const lines = stripVTControlCharacters(output).trimEnd().split("\n");
  const heading = lines.findLastIndex((l) => /^\s*ERRORS\s*$|^\s*✖ failing tests:\s*$/.test(l));
  const section = heading >= 0 ? lines.slice(heading) : lines.slice(-FAILURES_LINES / 2);
  if (section.length <= FAILURES_LINES) return section.join("\n");
  const head = section.slice(0, FAILURES_LINES / 2), tail = section.slice(-FAILURES_LINES / 2);
  return [...head, `… ${section.length - head.length - tail.length} lines, printed above …`, ...tail].join(
    "\n",
  );
}

/** Runs a part to its end, its output (stdout and stderr, in order) kept; resolves to whether it exited 0. */
function runPart(part: Part): Promise<boolean> {
  console.log(`[${elapsed()}] ${part.name}: started`);
  // Each part leads a process group of its own, so that a stop reaches everything it started: the
  // `node --test` under test_node.ts, and the redis-servers and workers the remote tests start.
  const child = spawn(process.execPath, part.args, {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const output: Buffer[] = [];
  child.stdout!.on("data", (chunk: Buffer) => output.push(chunk));
  child.stderr!.on("data", (chunk: Buffer) => output.push(chunk));
  running.set(part, { child, output });
  return new Promise((resolve) => {
    child.once("error", (e) => output.push(Buffer.from(`could not start: ${e.message}\n`)));
    child.once("close", (code, signal) => {
      running.delete(part);
      const ok = code === 0;
      print(part, output, ok ? "ok" : `FAILED (${code ?? signal})`);
      if (!ok) failedOutput.set(part.name, Buffer.concat(output).toString());
      resolve(ok);
    });
  });
}

/** Runs a lane's parts in turn; resolves to the names of those that failed or could not run. */
async function runLane(parts: Part[]): Promise<string[]> {
  const failed: string[] = [];
  for (const part of parts) {
    if (stoppedBy) break;
    if (part.needs && failed.includes(part.needs)) {
      console.log(`\n${part.name}: not run (${part.needs} failed)`);
      failed.push(part.name);
    } else if (!await runPart(part)) {
      failed.push(part.name);
    }
  }
  return failed;
}

if (import.meta.main) {
  // Ctrl-C and a CI's SIGTERM are passed on to each running part's whole group; each part's output
  // so far is printed as it ends.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      stoppedBy = signal;
      for (const { child } of running.values()) {
        try {
          process.kill(-child.pid!, signal);
        } catch { /* the part ended meanwhile */ }
      }
    });
  }
  const ticker = setInterval(() => {
    console.log(`[${elapsed()}] running: ${[...running.keys()].map((p) => p.name).join(", ")}`);
  }, 60_000);
  const failed = (await Promise.all(LANES.map(runLane))).flat();
  clearInterval(ticker);
  if (stoppedBy) process.exit(stoppedBy === "SIGINT" ? 130 : 143);
  for (const [name, output] of failedOutput) {
    console.log(`\n===== ${name}: what failed (its whole output is above) =====\n${failures(output)}`);
  }
  console.log(
    failed.length ? `\nFailed: ${failed.join(", ")} (${elapsed()})` : `\nAll parts passed in ${elapsed()}`,
  );
  process.exit(failed.length ? 1 : 0);
}
