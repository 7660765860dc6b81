// Escape codes are what these tests look for.
// deno-lint-ignore-file no-control-regex
/**
 * The status line and colours on a real terminal: dagrun runs under `script` (util-linux), which
 * gives it a pseudo-terminal for stdout and stderr and copies everything written there to us.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import process from "node:process";
import { test } from "node:test";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { StatusLine } from "../reporters.ts";
import { cliPath, isDeno, runCli, sized, taskFile, tempDir } from "./_helpers.ts";

/** These tests need util-linux's `script` (BSD's, on macOS, takes other arguments). */
const noScript = spawnSync("script", ["--version"], { encoding: "utf8" }).stdout?.includes("util-linux")
  ? false
  : "needs util-linux script for a pseudo-terminal";

const CLEAR = "\r\x1b[K";
const STATUS = /^\[(\d+)\/(\d+) done\] (\d+) running(: [^\n]*?)?( · \d+ failed)? · \d+\.\d s$/;

/** Runs the CLI on a pseudo-terminal; resolves with everything it wrote there, `\r\n` made `\n`. */
function runOnTerminal(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; out: string }> {
  const argv = [process.execPath, ...(isDeno ? ["run", "--allow-all"] : []), cliPath, ...args];
  const command = argv.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
  // Colours as a user's terminal would have them: neither variable set unless the test sets it.
  const { NO_COLOR: _no, FORCE_COLOR: _force, ...inherited } = process.env;
  const child = spawn("script", ["-qec", command, "/dev/null"], {
    env: { ...inherited, TERM: "xterm", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (t: string) => (out += t));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, out: out.replaceAll("\r\n", "\n") }));
  });
}

/**
 * Splits terminal output into the status lines drawn and the text left once they are erased.
 * Every draw is `CLEAR + status` and is erased by the next `CLEAR` before anything else is written.
 */
function separate(out: string): { statuses: string[]; text: string } {
  const [first, ...pieces] = out.split(CLEAR);
  const statuses: string[] = [];
  let text = first;
  for (const piece of pieces) {
    const newline = piece.indexOf("\n");
    if (piece.startsWith("[") && newline < 0) statuses.push(piece);
    else text += piece;
  }
  return { statuses, text };
}

/** `n` tasks printing `lines` lines each, in small bursts, all at once. */
function chattyTasks(n: number, lines: number) {
  return Array.from({ length: n }, (_, t) => ({
    name: `t${t}`,
    type: "exec",
    arguments: `i=0; while [ $i -lt ${lines} ]; do echo "t${t} line $i"; i=$((i+1)); ` +
      `[ $((i % 10)) = 0 ] && sleep 0.0$((${t} % 5 + 1)); done; echo "t${t} to stderr" >&2`,
  }));
}

/** Every line is a whole line of ours, and each task's lines all arrived, in order. */
function assertWhole(text: string, n: number, lines: number, grouped: boolean) {
  const next = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || /^(Report:|Failed:|Critical path:|\d+ tasks:)/.test(line) || /^ {2}\S/.test(line)) {
      continue;
    }
    const m = line.match(/^(?:Started: |Ended : )(t\d+)$/) ??
      line.match(/^\[(t\d+)\] \1 (?:line (\d+)|to stderr)$/);
    assert.ok(m, `a torn or foreign line: ${JSON.stringify(line)}`);
    if (m[2] !== undefined) {
      assert.equal(Number(m[2]), next.get(m[1]) ?? 0, `${m[1]} line ${m[2]} out of order or lost`);
      next.set(m[1], Number(m[2]) + 1);
    }
  }
  assert.equal(next.size, n);
  for (const [name, count] of next) assert.equal(count, lines, `lines of ${name}`);
  for (let t = 0; t < n; t++) {
    assert.equal(text.split(`\n[t${t}] t${t} to stderr\n`).length, 2, `stderr line of t${t}`);
    if (grouped) {
      const block = Array.from({ length: lines }, (_, i) => `[t${t}] t${t} line ${i}\n`).join("");
      if (!text.includes(block + `Ended : t${t}\n`)) {
        const at = text.indexOf(`[t${t}] t${t} line 0\n`);
        const end = text.indexOf(`Ended : t${t}\n`);
        assert.fail(`block of t${t}: ${JSON.stringify(text.slice(at, end + 20).slice(0, 4000))}`);
      }
    }
  }
}

// 24 tasks of 100 lines keep the status line busy while every task prints; DAGRUN_TEST_FULL=1 runs
// 50 of 200, the size that first tore a line on Node.
const n = sized(24, 50);
const lines = sized(100, 200);

for (const output of ["prefixed", "grouped"]) {
  test(
    `status line with ${n} concurrent chatty tasks (--output ${output}): redrawn in place, no line lost or torn`,
    {
      skip: noScript,
    },
    async () => {
      const result = await runOnTerminal(["--output", output, taskFile({ tasks: chattyTasks(n, lines) })], {
        NO_COLOR: "1",
      });
      assert.equal(result.code, 0, result.out.slice(-2000));
      const { statuses, text } = separate(result.out);
      assertWhole(text, n, lines, output === "grouped");
      assert.ok(statuses.length > 10, `status drawn ${statuses.length} times`);
      let done = 0;
      for (const s of statuses) {
        const m = s.match(STATUS);
        assert.ok(m, `a status line: ${JSON.stringify(s)}`);
        assert.equal(Number(m[2]), n);
        assert.ok(Number(m[1]) >= done, "the done count never goes back");
        done = Number(m[1]);
        assert.ok(s.length < 80, "fits the terminal");
      }
      assert.equal(done, n, "the last status counts every task");
      const running = new RegExp(` ${n} running: t0, t1, .* \\+\\d+ more · `);
      assert.ok(statuses.some((s) => running.test(s)), "names running tasks");
      // The line is erased before the report, which is not followed by any status.
      assert.ok(result.out.lastIndexOf(CLEAR) < result.out.indexOf("\nReport:"));
    },
  );
}

test("status line counts failures; colours are on by default on a terminal", { skip: noScript }, async () => {
  const tasks = [
    { name: "bad", type: "exec", arguments: "exit 1" },
    { name: "slow", type: "exec", arguments: "sleep 0.5; echo done" },
  ];
  const result = await runOnTerminal([taskFile({ tasks })]);
  assert.equal(result.code, 1);
  const { statuses, text } = separate(result.out);
  assert.ok(statuses.some((s) => s.includes("\x1b[31m1 failed\x1b[39m")), statuses.join("\n"));
  assert.match(text, /\x1b\[\d+m\[slow\]\x1b\[39m done\n/);
  assert.match(text, /\x1b\[31mfailed \x1b\[39m/);
  const plain = await runOnTerminal([taskFile({ tasks })], { NO_COLOR: "1" });
  assert.doesNotMatch(plain.out.replaceAll(CLEAR, ""), /\x1b/);
});

test("no status line when stderr is not a terminal", async () => {
  const result = await runCli([taskFile({ tasks: chattyTasks(3, 5) })]);
  assert.equal(result.code, 0);
  assert.doesNotMatch(result.stderr + result.stdout, /\x1b|done\]/);
});

test(
  "stdout to a file, stderr on the terminal: the status line stays on the terminal",
  { skip: noScript },
  () => {
    const log = join(tempDir(), "out.log");
    const file = taskFile({ tasks: chattyTasks(5, 50) });
    const argv = [process.execPath, ...(isDeno ? ["run", "--allow-all"] : []), cliPath, file];
    const command = argv.map((a) => `'${a}'`).join(" ") + ` > '${log}'`;
    const { NO_COLOR: _no, FORCE_COLOR: _force, ...env } = process.env;
    const result = spawnSync("script", ["-qec", command, "/dev/null"], { encoding: "utf8", env });
    assert.equal(result.status, 0);
    const terminal = result.stdout.replaceAll("\r\n", "\n");
    const { statuses, text } = separate(terminal);
    assert.ok(statuses.length > 0, "a status line on the terminal");
    for (const s of statuses) assert.match(s, STATUS);
    // Only the tasks' stderr lines reach the terminal, whole.
    assert.deepEqual(
      text.split("\n").filter(Boolean).sort(),
      [0, 1, 2, 3, 4].map((t) => `[t${t}] t${t} to stderr`),
    );
    const out = readFileSync(log, "utf8");
    assert.doesNotMatch(out, /\x1b/);
    for (let t = 0; t < 5; t++) {
      assert.equal(out.split("\n").filter((l) => l.startsWith(`[t${t}] t${t} line `)).length, 50);
    }
  },
);

test("StatusLine.render: counts, running names cut to the width with how many more, the failed count coloured", () => {
  const writes: string[] = [];
  const status = new StatusLine({
    write: (_s, d) => void writes.push(String(d)),
    total: 5,
    color: true,
  });
  const task = (name: string) => ({ name, type: "exec", arguments: "" });
  const started = (i: number, name: string) => ({
    type: "started" as const,
    task: task(name),
    index: i,
    timeMs: 0,
    attempt: 1,
    attempts: 1,
  });
  status.handle(started(0, "2 failed"));
  status.handle(started(1, "build"));
  status.handle(started(2, "a-task-with-a-long-name"));
  status.handle({
    type: "ended",
    task: task("x"),
    index: 3,
    timeMs: 1,
    report: { name: "x", type: "exec", status: "failed", startMs: 0, endMs: 1, durationMs: 1 },
  });
  const wide = status.render(200);
  assert.match(
    wide,
    /^\[1\/5 done\] 3 running: 2 failed, build, a-task-with-a-long-name · \x1b\[31m1 failed\x1b\[39m · \d\.\d s$/,
  );
  const narrow = status.render(70);
  assert.match(narrow, /^\[1\/5 done\] 3 running: 2 failed, build \+1 more · /);
  assert.ok(narrow.replace(/\x1b\[\d+m/g, "").length <= 70);
  status.handle(started(4, "x\ny"));
  assert.match(status.render(200), /, x\?y · /, "a control character in a name is shown as ?");
  status.stop();
  // "[0/1 done] 1 running" and " · 0.0 s" take 28 columns; ": テスト二" 6 characters but 10 columns.
  const cjk = new StatusLine({ write: () => {}, total: 1 });
  cjk.handle(started(0, "テスト二"));
  assert.match(cjk.render(38), /^\[0\/1 done\] 1 running: テスト二 · /);
  assert.match(cjk.render(36), /^\[0\/1 done\] 1 running \+1 more · /, "two-column characters count twice");
  cjk.stop();
  assert.deepEqual(writes, [], "nothing drawn before a write or a tick, nothing left to clear");
});
