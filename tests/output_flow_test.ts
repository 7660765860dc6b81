/**
 * Task output on its way to dagrun's stdout: back-pressure from a slow reader down to the tasks'
 * pipes (every byte arrives, memory stays bounded, in every output mode), write errors, bytes kept
 * byte for byte, and lines that are never split nor mixed with another task's bytes.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import process from "node:process";
import { test } from "node:test";
import type { Task } from "../mod.ts";
import { spawnShell } from "../src/spawn/mod.ts";
import { cliPath, isDeno, runCli, sleep, taskFile } from "./_helpers.ts";

const exec = (name: string, command: string): Task => ({ name, type: "exec", arguments: command });

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
    // Without back-pressure Node held everything the reader had not taken (150 MB and more);
    // dagrun itself takes about 50 MB (runtime and code).
    assert.ok(result.peak < 130 * MB, `peak RSS ${(result.peak / MB).toFixed(0)} MB`);
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

/** A 20 MB line written in pieces over about a second, while another task prints short lines. */
const HUGE = 20_000_000;
const longLineTasks = [
  exec(
    "huge",
    `for i in 1 2 3 4 5 6 7 8 9 10; do head -c ${HUGE / 10} /dev/zero | tr '\\0' x; sleep 0.1; done; echo`,
  ),
  exec("chatty", "for i in $(seq 1 100); do echo chatty line $i; sleep 0.01; done"),
];

for (const mode of ["prefixed", "raw", "grouped"] as const) {
  test(`--output ${mode}: a 20 MB line stays one line, and no other task's bytes land inside it`, async () => {
    const file = taskFile({ tasks: longLineTasks });
    const huge = (mode === "raw" ? "" : "[huge] ") + "x".repeat(HUGE);
    const chatty = (i: number) => (mode === "raw" ? "" : "[chatty] ") + `chatty line ${i}`;
    const result = await runCli(["--output", mode, file]);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.split("\n");
    assert.equal(lines.filter((l) => l.includes("xxxxxxxxxx")).length, 1, "one line of x");
    assert.ok(lines.includes(huge), "the line is whole, with its prefix once");
    for (let i = 1; i <= 100; i++) assert.ok(lines.includes(chatty(i)), `chatty line ${i} whole`);
  });
}

test("spawn: while a sink's promise is pending that pipe is not read (back-pressure)", async () => {
  const chunks: number[] = [];
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const p = spawnShell("head -c 2000000 /dev/zero", {
    onStdout: (chunk) => {
      chunks.push(chunk.length);
      if (chunks.length === 1) return held;
    },
    onStderr: () => {},
  });
  await sleep(500);
  assert.equal(chunks.length, 1, "no chunk while the first one is held");
  release();
  await p.closed;
  assert.equal(chunks.reduce((a, b) => a + b, 0), 2_000_000);
  assert.equal((await p.exit).code, 0);
});
