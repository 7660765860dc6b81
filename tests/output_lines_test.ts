/**
 * Lines are never split nor mixed with another task's bytes: a 20 MB line stays one line in every
 * output mode, and a line that stalls while other tasks wait is cut, marked with …, by the rule of
 * "Lines are never split" (docs/cli.md). Back-pressure and the output budget are in
 * `output_flow_test.ts`.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { run, type Task } from "../mod.ts";
import { HOLD_BYTES } from "../src/output/budget.ts";
import { TextReporter, type TextReporterOptions } from "../src/report/text.ts";
import { exec, runCli, sized, sleep, taskFile } from "./_helpers.ts";

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

/** Runs `tasks` through a TextReporter with `options`; resolves with the lines it wrote. */
async function reported(tasks: Task[], options: Omit<TextReporterOptions, "write">): Promise<string[]> {
  const out: string[] = [];
  const decoder = new TextDecoder();
  const reporter = new TextReporter({
    ...options,
    write: (_stream, data) => out.push(typeof data === "string" ? data : decoder.decode(data)),
  });
  const report = await run(tasks, { onEvent: (e) => reporter.handle(e) });
  reporter.finish(report);
  assert.ok(report.ok);
  return out.join("").split("\n");
}

/** A 100 KB line that stops for 2 s before its end, while another task prints a line. */
const stalledLine = [
  exec("long", "head -c 100000 /dev/zero | tr '\\0' x; sleep 2; echo ' end'"),
  exec("other", "sleep 0.3; echo other line"),
];

test("prefixed: a line stalled while others wait is cut, marked with … at the cut and where it goes on", async () => {
  const lines = await reported(stalledLine, { cut: { idleMs: 300, heldMs: 60_000 } });
  const cut = lines.indexOf(`[long] ${"x".repeat(100_000)}…`);
  const other = lines.indexOf("[other] other line");
  const rest = lines.indexOf("[long] … end");
  assert.ok(cut >= 0 && other > cut && rest > other, lines.map((l) => l.slice(0, 40)).join("\n"));
  assert.ok(lines.indexOf("Ended : other") < rest, "the other task was not held until the line ended");
});

test("raw: a stalled line is never cut; the other task's line waits for its end", async () => {
  const lines = await reported(stalledLine, { output: "raw", cut: { idleMs: 300, heldMs: 60_000 } });
  assert.ok(lines.includes(`${"x".repeat(100_000)} end`), "the line is whole");
  assert.ok(lines.indexOf(`${"x".repeat(100_000)} end`) < lines.indexOf("other line"));
});

test("prefixed: a line that keeps coming is cut only once it has held the output for heldMs", async () => {
  // 70 KB at once (the line takes the output), then 80 KB more over 0.8 s: idle for 0.1 s at a time,
  // far less than idleMs divided by the writes waiting (three at most) even on a loaded machine.
  const busy = [
    exec(
      "long",
      "head -c 70000 /dev/zero | tr '\\0' x; " +
        "for i in $(seq 1 8); do sleep 0.1; head -c 10000 /dev/zero | tr '\\0' x; done; echo",
    ),
    exec("other", "sleep 0.3; echo other line"),
  ];
  const whole = await reported(busy, { cut: { idleMs: 5000, heldMs: 60_000 } });
  assert.ok(whole.includes(`[long] ${"x".repeat(150_000)}`), "not cut");
  assert.ok(whole.indexOf(`[long] ${"x".repeat(150_000)}`) < whole.indexOf("[other] other line"));
  const held = await reported(busy, { cut: { idleMs: 5000, heldMs: 400 } });
  const cut = held.findIndex((l) => l.startsWith("[long] x") && l.endsWith("…"));
  assert.ok(cut >= 0 && held.indexOf("[other] other line") > cut, held.map((l) => l.slice(0, 40)).join("\n"));
  const pieces = held.filter((l) => l.startsWith("[long] "));
  assert.equal(pieces.join("").replaceAll("[long] ", "").replaceAll("…", ""), "x".repeat(150_000));
});

test("prefixed: a line held up by a slow reader is not cut", async () => {
  // A reader always behind: every output waits 10 ms for it.
  const lines = await reported(stalledLine, { ready: () => sleep(10), cut: { idleMs: 300, heldMs: 60_000 } });
  assert.ok(lines.includes(`[long] ${"x".repeat(100_000)} end`), "the line is whole");
});

test("the CLI cuts a line stalled for a second while another task waits, and says so with …", async () => {
  const result = await runCli([taskFile({ tasks: stalledLine })]);
  assert.equal(result.code, 0, result.stderr);
  const lines = result.stdout.split("\n");
  const cut = lines.indexOf(`[long] ${"x".repeat(100_000)}…`);
  assert.ok(cut >= 0 && lines.indexOf("[other] other line") > cut);
  assert.ok(lines.indexOf("[long] … end") > lines.indexOf("Ended : other"));
});

test("the budget spent by long unfinished lines that stall: stalled lines are cut, the tasks do not wait for each other", async () => {
  // Tasks each print 180 KiB without a newline, then pause 3 s: their unfinished lines are over
  // the budget. Before, one task at a time held the output through its pause, and every other task
  // waited, blocked on its full pipe, before it could even start its own: n × 3 s. By default 20
  // tasks and a 512 KiB budget (without cuts: 40 s, with them 4 s); the full size is 130 tasks and
  // the CLI's budget.
  const n = sized(20, 130);
  const size = 180 * 1024;
  const tasks = Array.from(
    { length: n },
    (_, i) => exec(`t${i}`, `head -c ${size} /dev/zero | tr '\\0' x; sleep 3; echo`),
  );
  const start = Date.now();
  const lines = await reported(tasks, { holdBytes: sized(512 * 1024, HOLD_BYTES) });
  const seconds = (Date.now() - start) / 1000;
  assert.ok(seconds < (n * 3) / 4, `${seconds} s: the tasks paused one after another`);
  for (let i = 0; i < n; i++) {
    const mine = lines.filter((l) => l.startsWith(`[t${i}] `));
    const text = mine.map((l) => l.slice(`[t${i}] `.length)).join("");
    assert.equal(text.replaceAll("…", ""), "x".repeat(size), `t${i}: every byte, in pieces marked with …`);
  }
});
