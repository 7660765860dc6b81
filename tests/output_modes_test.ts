// Escape codes are what these tests look for.
// deno-lint-ignore-file no-control-regex
import assert from "node:assert/strict";
import { test } from "node:test";
import { Colors, useColor } from "../src/report/colors.ts";
import { runCli, sendSignal, taskFile } from "./_helpers.ts";

/** A task printing `lines` lines on stdout (and one on stderr), pausing so tasks interleave. */
const chatty = (name: string, lines: number, ...dependencies: string[]) => ({
  name,
  type: "exec",
  arguments:
    `i=0; while [ $i -lt ${lines} ]; do echo "${name} line $i"; i=$((i+1)); [ $((i % 20)) = 0 ] && sleep 0.01; done; echo "${name} err" >&2`,
  dependencies,
});

/** Checks that each task's lines form one contiguous block, complete, right before its Ended line. */
function assertGrouped(stdout: string, names: string[], lines: number) {
  const all = stdout.split("\n");
  for (const name of names) {
    const first = all.indexOf(`[${name}] ${name} line 0`);
    assert.ok(first >= 0, `block of ${name}`);
    for (let i = 0; i < lines; i++) assert.equal(all[first + i], `[${name}] ${name} line ${i}`);
    assert.equal(all[first + lines], `Ended : ${name}`);
    assert.equal(all.filter((l) => l.startsWith(`[${name}] `)).length, lines, `no stray lines of ${name}`);
  }
}

test("--output grouped: each task's output is one block, before its Ended line", async () => {
  const names = ["a", "b", "c", "d"];
  const result = await runCli(["--output", "grouped", taskFile({ tasks: names.map((n) => chatty(n, 200)) })]);
  assert.equal(result.code, 0, result.stderr);
  assertGrouped(result.stdout, names, 200);
  for (const n of names) assert.match(result.stderr, new RegExp(`^\\[${n}\\] ${n} err$`, "m"));
  assert.equal(result.stdout.split("\n").filter((l) => l.startsWith("Started: ")).length, 4);
});

test("--output grouped: blocks of failed, timed-out and interrupted tasks are flushed too", async () => {
  const started = `${taskFile("", "marker")}-started`;
  const hung = `${started}-hung`;
  const tasks = [
    {
      name: "fails",
      type: "exec",
      // Fails once "slow" has printed and hangs has timed out (on a loaded machine either may be late).
      arguments:
        `while [ ! -f ${started} ] || [ ! -f ${hung} ]; do sleep 0.05; done; echo before failing; printf 'no newline'; exit 1`,
    },
    { name: "slow", type: "exec", arguments: `echo slow started; touch ${started}; sleep 30` },
    // A timeout of 1 s, not less: a loaded machine took 0.2 s to get to the echo.
    {
      name: "hangs",
      type: "exec",
      arguments: `trap 'touch ${hung}; exit 1' TERM; echo hanging; sleep 30 & wait`,
      timeout: 1,
    },
    {
      name: "js",
      type: "eval",
      arguments: "console.log('js waiting'); await new Promise((r) => signal.addEventListener('abort', r))",
    },
  ];
  let sent = false;
  const result = await runCli(["--output", "grouped", taskFile({ tasks })], {
    onStdout: (_text, child) => {
      // Interrupt once the failure's block is out, so the other two are still running.
      if (!sent && _text.includes("Ended : fails")) {
        sent = true;
        sendSignal(child.pid!, "SIGINT");
      }
    },
  });
  assert.equal(result.code, 130);
  assert.match(result.stdout, /\[fails\] before failing\n\[fails\] no newline\nEnded : fails\n/);
  assert.match(result.stdout, /\[slow\] slow started\nEnded : slow\n/);
  assert.match(result.stdout, /\[hangs\] hanging\nEnded : hangs\n/);
  assert.match(result.stdout, /\n {2}hangs +failed .*timed out after 1 s/);
  assert.match(result.stdout, /\[js\] js waiting\nEnded : js\n/);
});

test("--output grouped: each attempt of a retried task is its own block", async () => {
  const marker = `${taskFile("", "marker")}-tried`;
  const tasks = [{
    name: "flaky",
    type: "exec",
    arguments: `if [ -f ${marker} ]; then echo second; else touch ${marker}; echo first; exit 1; fi`,
    retries: 1,
    retryDelay: 0,
  }];
  const result = await runCli(["--output", "grouped", taskFile({ tasks })]);
  assert.equal(result.code, 0, result.stdout);
  assert.match(
    result.stdout,
    /Started: flaky \(attempt 1\/2\)\n\[flaky\] first\nFailed : flaky \(attempt 1\/2: exit code 1\), retrying in 0 ms\nStarted: flaky \(attempt 2\/2\)\n\[flaky\] second\nEnded : flaky\n/,
  );
});

test("colors: --color always paints each task's prefix the same every time and statuses", async () => {
  const file = taskFile({
    tasks: [chatty("alpha", 2), chatty("beta", 2, "alpha"), {
      name: "bad",
      type: "exec",
      arguments: "false",
    }],
  });
  const result = await runCli(["--color", "always", file]);
  const prefix = (name: string) => {
    const found = [...result.stdout.matchAll(new RegExp(`(\\x1b\\[\\d+m)\\[${name}\\]\\x1b\\[39m `, "g"))]
      .map((m) => m[1]);
    assert.equal(found.length, 2, `both lines of ${name} colored`);
    assert.equal(found[0], found[1]);
    return found[0];
  };
  assert.equal(prefix("alpha"), new Colors(true).task("alpha", "").slice(0, -5));
  prefix("beta");
  assert.match(result.stdout, /\x1b\[32mok {5}\x1b\[39m/);
  assert.match(result.stdout, /\x1b\[31mfailed {1}\x1b\[39m/);
  const again = await runCli(["--color", "always", file]);
  assert.equal(
    again.stdout.match(/\x1b\[\d+m\[alpha\]/)![0],
    result.stdout.match(/\x1b\[\d+m\[alpha\]/)![0],
    "the same color every run",
  );
});

test("colors: none in a pipe, none with --color never, FORCE_COLOR forces, NO_COLOR wins over it", async () => {
  const file = taskFile({ tasks: [chatty("a", 1)] });
  const plain = await runCli([file], { env: { NO_COLOR: "" } });
  assert.doesNotMatch(plain.stdout, /\x1b/);
  const forced = await runCli([file], { env: { NO_COLOR: "", FORCE_COLOR: "1" } });
  assert.match(forced.stdout, /\x1b\[/);
  const never = await runCli([file, "--color", "never"], { env: { NO_COLOR: "", FORCE_COLOR: "1" } });
  assert.doesNotMatch(never.stdout, /\x1b/);
  const noColor = await runCli([file], { env: { NO_COLOR: "1", FORCE_COLOR: "1" } });
  assert.doesNotMatch(noColor.stdout, /\x1b/);
  const bad = await runCli([file, "--color", "sometimes"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--color must be "auto", "always" or "never", not "sometimes"/);
});

test("useColor: the precedence of --color, NO_COLOR, FORCE_COLOR, a terminal and TERM=dumb", () => {
  assert.equal(useColor("auto", true, {}), true);
  assert.equal(useColor("auto", false, {}), false);
  assert.equal(useColor("auto", true, { TERM: "dumb" }), false);
  assert.equal(useColor("auto", true, { NO_COLOR: "1" }), false);
  assert.equal(useColor("auto", true, { NO_COLOR: "" }), true);
  assert.equal(useColor("auto", false, { FORCE_COLOR: "1" }), true);
  assert.equal(useColor("auto", true, { FORCE_COLOR: "0" }), false);
  assert.equal(useColor("auto", false, { FORCE_COLOR: "" }), false, "empty is unset");
  assert.equal(useColor("always", false, { NO_COLOR: "1" }), true);
  assert.equal(useColor("never", true, { FORCE_COLOR: "1" }), false);
});
