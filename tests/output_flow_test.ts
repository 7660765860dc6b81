/**
 * Task output on its way to dagrun's stdout: back-pressure from a slow reader down to the tasks'
 * pipes (every byte arrives, memory stays bounded, in every output mode), write errors, bytes kept
 * byte for byte, and the output budget that bounds what unfinished lines hold. Lines that are never
 * split (a 20 MB line, stalled lines cut) are in `output_lines_test.ts`.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { test } from "node:test";
import { run } from "../mod.ts";
import { HOLD_BYTES } from "../src/output/budget.ts";
import { TextReporter } from "../src/report/text.ts";
import { spawnShell } from "../src/spawn/mod.ts";
import { cliPath, exec, isDeno, sized, sleep, taskFile, tempDir } from "./_helpers.ts";

/** The CLI's argv for `spawn`. */
const cliArgv = (args: string[]) => isDeno ? ["run", "--allow-all", cliPath, ...args] : [cliPath, ...args];

/** dagrun's peak resident memory so far, in bytes (Linux). */
function peakRss(pid: number): number {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(kb?.[1] ?? 0) * 1024;
}

/**
 * Runs the CLI with its stdout read by a reader that first sleeps `sleepMs`, then reads as fast
 * as it can; calls `onLine` with each line (as latin1 text, so bytes map one to one).
 */
function slowReader(
  args: string[],
  sleepMs: number,
  onLine: (line: string) => void,
): Promise<{ code: number | null; stderr: string; bytes: number; peak: number }> {
  const child = spawn(process.execPath, cliArgv(args), { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (t: string) => (stderr += t));
  let bytes = 0;
  let partial = "";
  let peak = 0;
  const sampler = setInterval(() => {
    try {
      peak = Math.max(peak, peakRss(child.pid!));
    } catch { /* exited */ }
  }, 50);
  child.stdout.pause();
  setTimeout(() => {
    child.stdout.setEncoding("latin1").on("data", (text: string) => {
      bytes += text.length;
      const lines = (partial + text).split("\n");
      partial = lines.pop()!;
      for (const line of lines) onLine(line);
    });
    child.stdout.resume();
  }, sleepMs);
  return new Promise((resolve) => {
    child.once("close", (code) => {
      clearInterval(sampler);
      if (partial) onLine(partial);
      resolve({ code, stderr, bytes, peak });
    });
  });
}

const LINE = "0123456789".repeat(9) + "abcdefghi"; // 99 characters, 100 with the newline
const MB = 1024 * 1024;

for (const mode of ["prefixed", "raw", "grouped"] as const) {
  test(`--output ${mode}: a reader that sleeps 5 s gets every byte of 150 MB, dagrun's memory stays bounded`, async () => {
    const lines = 1_500_000;
    const file = taskFile({ tasks: [exec("big", `yes ${LINE} | head -n ${lines}`)] });
    const expected = mode === "raw" ? LINE : `[big] ${LINE}`;
    let seen = 0;
    let bad = "";
    const result = await slowReader(["--output", mode, file], 5000, (line) => {
      if (line === expected) seen++;
      else if (line.includes(LINE.slice(0, 20)) && !bad) bad = line.slice(0, 200);
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(bad, "", "no broken line");
    assert.equal(seen, lines, "every line arrived whole");
    // Without back-pressure Node held everything the reader had not taken: 50 MB of runtime and
    // code plus 150 MB and more. With it the peak does not grow with the output: 70-90 MB, and
    // 120-135 MB for raw through Deno.Command, whose read buffers V8 collects late (the same
    // 120-135 MB with 450 MB of output, measured).
    assert.ok(result.peak < 170 * MB, `peak RSS ${(result.peak / MB).toFixed(0)} MB`);
  });
}

test("a write error on stdout (a full disk) fails the run: exit 1, the error named, tasks stopped", async () => {
  const file = taskFile({ tasks: [exec("talk", "echo hello"), exec("slow", "sleep 30")] });
  const child = spawn("sh", ["-c", `exec "$@" > /dev/full`, "sh", process.execPath, ...cliArgv([file])], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (t: string) => (stderr += t));
  const started = Date.now();
  const code = await new Promise((resolve) => child.once("close", resolve));
  assert.equal(code, 1, stderr);
  assert.match(stderr, /^dagrun: cannot write to stdout: .*ENOSPC/m);
  assert.doesNotMatch(stderr, /uncaught|^\s+at /m);
  assert.ok(Date.now() - started < 20_000, "the 30 s task was stopped");
});

const BINARY = "printf '\\377\\376\\000abc\\n\\351t\\351\\n'";

for (const mode of ["prefixed", "grouped", "raw"] as const) {
  test(`--output ${mode}: bytes that are not UTF-8 come out byte for byte, after the prefix`, async () => {
    const file = taskFile({ tasks: [exec("bin", BINARY)] });
    const child = spawn(process.execPath, cliArgv(["--output", mode, file]), {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const out: Uint8Array[] = [];
    child.stdout.on("data", (b: Uint8Array) => out.push(b));
    await new Promise((resolve) => child.once("close", resolve));
    const bytes = Buffer.concat(out);
    const prefix = mode === "raw" ? [] : [...Buffer.from("[bin] ")];
    const expected = Buffer.from([
      ...prefix,
      0xff,
      0xfe,
      0,
      0x61,
      0x62,
      0x63,
      10,
      ...prefix,
      0xe9,
      0x74,
      0xe9,
      10,
    ]);
    assert.ok(bytes.includes(expected), bytes.toString("latin1").slice(0, 300));
  });
}

/** Spawns `command` with a stdout sink that holds the first chunk until `release()`; `chunks` are the sizes seen. */
function spawnHoldingFirst(command: string) {
  const chunks: number[] = [];
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const p = spawnShell(command, {
    onStdout: (chunk) => {
      chunks.push(chunk.length);
      if (chunks.length === 1) return held;
    },
    onStderr: () => {},
  });
  return { p, chunks, release };
}

test("spawn: while a sink's promise is pending that pipe is not read (back-pressure)", async () => {
  const { p, chunks, release } = spawnHoldingFirst("head -c 2000000 /dev/zero");
  await sleep(500);
  assert.equal(chunks.length, 1, "no chunk while the first one is held");
  release();
  await p.closed;
  assert.equal(chunks.reduce((a, b) => a + b, 0), 2_000_000);
  assert.equal((await p.exit).code, 0);
});

test("spawn: a pipe held back stays held after its child exits, until the hold is released", async () => {
  // The rest fits in the pipe, so the child exits while its output waits there (Node resumed a
  // child's paused pipes when it exited: held output was read and delivered anyway).
  const { p, chunks, release } = spawnHoldingFirst("echo a; sleep 0.2; head -c 30000 /dev/zero");
  assert.equal((await p.exit).code, 0);
  await sleep(500);
  assert.deepEqual(chunks, [2], "nothing more while the first chunk is held");
  release();
  await p.closed;
  assert.equal(chunks.reduce((a, b) => a + b, 0), 30_002);
});

/** Bytes `x` in `data`: the only byte the tasks below print besides newlines. */
function countX(data: string | Uint8Array): number {
  let n = 0;
  if (typeof data === "string") {
    for (let i = 0; i < data.length; i++) {
      n += data.charCodeAt(i) === 120 ? 1 : 0;
    }
  } else for (let at = data.indexOf(120); at >= 0; at = data.indexOf(120, at + 1)) n++;
  return n;
}

/**
 * Whether `DAGRUN_SPAWN=default` on Deno: `Deno.Command`'s pipes have a read in flight each
 * while the gate closes, and that one read still lands (see "Lines are never split").
 */
const readsInFlight = isDeno && process.env.DAGRUN_SPAWN === "default";

// `raw` takes the same way as `prefixed`, without the prefix.
for (const mode of ["prefixed", "grouped"] as const) {
  // Lines of 60 KiB from 1.5 times the budget's worth of tasks: enough to show the bound (29 MiB
  // were held before it with 500 tasks). By default a 1 MiB budget and 25 tasks; the full size is
  // the CLI's budget and 200 tasks.
  const budget = sized(1024 * 1024, HOLD_BYTES);
  const n = sized(25, 200);
  test(`--output ${mode}: ${n} tasks each print a 60 KiB line without newline at the same moment, a slow reader: dagrun holds at most its budget, every line whole`, async () => {
    const size = 60 * 1024;
    const go = join(tempDir(), "go");
    const tasks = Array.from(
      { length: n },
      (_, i) =>
        exec(
          `t${i}`,
          `head -c ${size} /dev/zero | tr '\\0' x; while [ ! -e '${go}' ]; do sleep 1; done; echo`,
        ),
    );
    let started = 0;
    let allStarted = Infinity;
    // The task output dagrun holds: what reached the reporter and has not been written yet.
    let received = 0;
    let written = 0;
    let peak = 0;
    const out: string[] = [];
    // A reader that takes 16 MiB a second: output waits (as the CLI's does) while 1 MiB is not taken.
    const start = Date.now();
    const backlog = () => written - Math.min(written, (Date.now() - start) * 16 * 1024);
    const caughtUp = async () => {
      while (backlog() > 512 * 1024) await sleep(5);
    };
    const reporter = new TextReporter({
      output: mode,
      // Each line stalls until the go file appears: this test is about the budget, not about cuts.
      cut: { idleMs: 1e9, heldMs: 1e9 },
      holdBytes: budget,
      write: (_stream, data) => {
        written += countX(data);
        out.push(typeof data === "string" ? data : new TextDecoder("latin1").decode(data));
      },
    });
    // Every line is open at once when the lines end: once the reporter got every byte (as it does
    // without a budget), or when no more came for 1 s after the budget's worth (the rest is held back).
    let lastOutput = Date.now();
    const timer = setInterval(() => {
      const quiet = Date.now() - Math.max(allStarted, lastOutput) > 1000;
      const held = received >= budget && quiet;
      const stuck = Date.now() - Math.max(allStarted, lastOutput) > 30_000;
      if ((held || received === n * size || stuck) && !existsSync(go)) {
        writeFileSync(go, "");
      }
    }, 50);
    const report = await run(tasks, {
      concurrency: n,
      onEvent: (e) => {
        if (e.type === "output") [received, lastOutput] = [received + countX(e.data), Date.now()];
        if (e.type === "started" && ++started === n) allStarted = Date.now();
        const wait = reporter.handle(e);
        peak = Math.max(peak, received - written);
        if (e.type !== "output") return wait;
        return wait ?? (backlog() > 1024 * 1024 ? caughtUp() : undefined);
      },
    });
    clearInterval(timer);
    reporter.finish(report);
    assert.ok(report.ok, "every task ok");
    const lines = out.join("").split("\n");
    const whole = new Set(lines);
    for (let i = 0; i < n; i++) {
      const mine = () =>
        lines.filter((l) => l.startsWith(`[t${i}] `)).map((l) => `${l.slice(0, 20)}… (${l.length})`);
      assert.ok(whole.has(`[t${i}] ${"x".repeat(size)}`), `t${i}'s line is whole: ${mine().join(", ")}`);
    }
    assert.equal(lines.filter((l) => l.includes("x")).length, n, "one line per task, none torn");
    assert.equal(written, n * size, "every byte written");
    // Through Deno.Command each pipe's read in flight lands after the gate closed: up to 64 KiB a
    // pipe beyond the budget, more than each task's whole 60 KiB line, so no bound shows there.
    if (!readsInFlight) {
      const bound = budget + 64 * 1024;
      assert.ok(peak <= bound, `held ${(peak / MB).toFixed(1)} MiB, the budget is ${budget / MB} MiB`);
    }
  });
}
