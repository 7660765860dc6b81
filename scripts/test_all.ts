/**
 * The whole suite, as `npm test` runs it: its four parts at once instead of one after another, since
 * most tests wait (for subprocesses, timers, Redis) rather than compute.
 *
 * - `deno`: `deno task test:deno`, every test file on Deno, the longest started first;
 * - `spawn-default`: `deno task test:spawn-default`, the spawn, controls, faults and output tests
 *   again on Deno, spawning through `Deno.Command` instead of the FFI spawn;
 * - `node`: the npm package built once (`build_npm.ts`), then the suite on Node against it
 *   (`test_node.ts --built`);
 * - `package`: the same build packed, installed and used as a user gets it (`test_package.ts --built`).
 *
 * A part's output is printed whole when it ends, so that the parts' lines do not interleave; a line
 * says when each starts and ends. Exits 1 when any part failed, after all have ended.
 *
 * Usage: `deno task test:all` (what `npm test` runs)
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { root } from "./build_npm.ts";

/** One part of the suite: a command run in the repository's root. */
interface Part {
  name: string;
  /** Arguments of the Deno that runs this script. */
  args: string[];
  /** Parts that must have ended before this one starts. */
  after?: string[];
  /** Whether it runs only when the parts it comes after succeeded. */
  needsThem?: boolean;
}

/**
 * Test files started first on Deno, longest first (most wait on timeouts: workers lost, Redis gone),
 * so that the run does not end with one of them started last and running alone.
 */
const LONG_FIRST = [
  "remote_faults_test.ts",
  "remote_lost_test.ts",
  "eval_worker_test.ts",
  "fuzz_test.ts",
  "url_test.ts",
  "spawn_ffi_test.ts",
  "status_line_test.ts",
  "remote_test.ts",
  "timings_test.ts",
  "cli_test.ts",
];

/** `deno task test:deno`'s files (`deno test`'s default names in tests/), the long ones first. */
function denoTestFiles(): string[] {
  const files = readdirSync(join(root, "tests")).filter((f) => /^(.*[._])?test\.ts$/.test(f));
  const rank = (f: string) => LONG_FIRST.includes(f) ? LONG_FIRST.indexOf(f) : LONG_FIRST.length;
  return files.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : 1)).map((f) => `tests/${f}`);
}

const PARTS: Part[] = [
  { name: "deno", args: ["test", "--allow-all", "--parallel", ...denoTestFiles()] },
  // The build goes first beside the Deno files, so that the Node run, the longest part, is not kept
  // waiting; the spawn-default rerun, which can come any time, waits with it.
  { name: "build", args: ["run", "--allow-all", "scripts/build_npm.ts"] },
  { name: "spawn-default", args: ["task", "test:spawn-default"], after: ["build"] },
  {
    name: "node",
    args: ["run", "--allow-all", "scripts/test_node.ts", "--built"],
    after: ["build"],
    needsThem: true,
  },
  {
    name: "package",
    args: ["run", "--allow-all", "scripts/test_package.ts", "--built"],
    after: ["build"],
    needsThem: true,
  },
];

const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(0)} s`;

/** The output so far of each running part, printed if the run is interrupted. */
const outputs = new Map<string, Buffer[]>();
/** The running parts' processes, stopped with this one. */
const children = new Set<ChildProcess>();

/** Runs a part to its end, its stdout and stderr kept together; resolves to whether it exited 0. */
function runPart(part: Part): Promise<boolean> {
  console.log(`[${elapsed()}] ${part.name}: started (deno ${part.args.join(" ")})`);
  const child = spawn(process.execPath, part.args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  const chunks: Buffer[] = [];
  outputs.set(part.name, chunks);
  children.add(child);
  child.stdout!.on("data", (b: Buffer) => chunks.push(b));
  child.stderr!.on("data", (b: Buffer) => chunks.push(b));
  return new Promise((resolve) => {
    child.once("error", (e) => {
      console.log(`[${elapsed()}] ${part.name}: could not start: ${e.message}`);
      resolve(false);
    });
    child.once("close", (code, signal) => {
      const ok = code === 0;
      const head = `${part.name}: ${ok ? "ok" : `FAILED (${code ?? signal})`} after ${elapsed()}`;
      process.stdout.write(`\n===== ${head} =====\n`);
      process.stdout.write(Buffer.concat(chunks));
      process.stdout.write(`===== end of ${part.name} =====\n\n`);
      outputs.delete(part.name);
      children.delete(child);
      resolve(ok);
    });
  });
}

if (import.meta.main) {
  // Ctrl-C or a CI timeout: pass the signal on to the parts (a terminal's Ctrl-C reaches them anyway)
  // and show what they printed so far, which would otherwise be lost with this process.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      for (const child of children) child.kill(signal);
      for (const [name, chunks] of outputs) {
        process.stdout.write(`\n===== ${name}: interrupted after ${elapsed()} =====\n`);
        process.stdout.write(Buffer.concat(chunks));
      }
      process.exit(signal === "SIGINT" ? 130 : 143);
    });
  }
  const results = new Map<string, Promise<boolean>>();
  const running = new Set<string>();
  for (const part of PARTS) {
    const before = (part.after ?? []).map((name) => results.get(name)!);
    results.set(
      part.name,
      Promise.all(before).then(async (oks) => {
        if (part.needsThem && !oks.every(Boolean)) {
          console.log(`[${elapsed()}] ${part.name}: not run (${part.after!.join(", ")} failed)`);
          return false;
        }
        running.add(part.name);
        const ok = await runPart(part);
        running.delete(part.name);
        return ok;
      }),
    );
  }
  // A part's output comes when it ends: say now and then what is still running.
  const progress = setInterval(
    () => console.log(`[${elapsed()}] running: ${[...running].join(", ")}`),
    60_000,
  );
  const failed: string[] = [];
  for (const [name, ok] of results) if (!await ok) failed.push(name);
  clearInterval(progress);
  console.log(
    failed.length ? `Failed: ${failed.join(", ")} (${elapsed()})` : `All parts passed in ${elapsed()}`,
  );
  process.exit(failed.length ? 1 : 0);
}
