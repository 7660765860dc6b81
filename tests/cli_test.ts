import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { isAlive, readJson, runCli, sendSignal, taskFile, tempDir, waitFor } from "./_helpers.ts";

const exec = (name: string, command: string, ...dependencies: string[]) => ({
  name,
  type: "exec",
  arguments: command,
  dependencies,
});

/** Asserts that a run was refused as invalid input: exit 2, a message, no stack, nothing run. */
function assertRefused(
  result: { code: number | null; stdout: string; stderr: string },
  ...patterns: RegExp[]
) {
  assert.equal(result.code, 2, result.stderr);
  assert.doesNotMatch(result.stdout, /Started:/);
  assert.doesNotMatch(result.stderr, /^\s+at /m, "no stack trace");
  assert.ok(result.stderr.split("\n").length < 30, "fits on one screen");
  for (const p of patterns) assert.match(result.stderr, p);
}

test("exit code 0 when every task is ok, 1 when one fails", async () => {
  const ok = await runCli([taskFile({ tasks: [exec("a", "true"), exec("b", "true", "a")] })]);
  assert.equal(ok.code, 0);
  assert.match(ok.stdout, /2 tasks: 2 ok, 0 failed, 0 skipped in/);
  const failed = await runCli([taskFile({ tasks: [exec("a", "exit 4"), exec("b", "true", "a")] })]);
  assert.equal(failed.code, 1);
  assert.match(failed.stdout, /\n {2}a +failed .*exit code 4\n/);
  assert.match(failed.stdout, /Failed:\n {2}a .*exit code 4\n2 tasks: 0 ok, 1 failed, 1 skipped in/);
});

test("invalid files: exit 2, every problem with file:line:col, nothing run", async () => {
  const dir = tempDir();
  const marker = join(dir, "ran");
  const cases: [string, RegExp[]][] = [
    ['{"tasks": [', [/tasks\.json:1:12: invalid JSON/]],
    [
      JSON.stringify(
        { tasks: [exec("a", `touch ${marker}`), { name: "b", type: "bash", arguments: "x" }] },
        null,
        1,
      ),
      [/tasks\.json:\d+:\d+: task "b": "type" must be one of: exec, eval/],
    ],
    [
      JSON.stringify({ tasks: [exec("a", `touch ${marker}`, "a"), exec("b", "true", "nope")] }, null, 1),
      [/2 problems/, /task "a": task depends on itself/, /task "b": unknown dependency "nope"/],
    ],
    [
      JSON.stringify(
        { tasks: [exec("a", `touch ${marker}`, "c"), exec("b", "true", "a"), exec("c", "true", "b")] },
        null,
        1,
      ),
      [/cycle of 3 tasks: a -> c -> b -> a/],
    ],
    [
      JSON.stringify({ tasks: [exec("a", `touch ${marker}`), exec("a", "true")] }, null, 1),
      [/task "a": duplicate task name/],
    ],
  ];
  for (const [text, patterns] of cases) {
    assertRefused(await runCli([taskFile(text)]), /tasks\.json: \d+ problems?, nothing was run/, ...patterns);
  }
  assert.equal(existsSync(marker), false, "no task ran");
});

test("usage errors: exit 2 with a hint", async () => {
  assertRefused(await runCli([]), /missing task file/, /dagrun --help/);
  assertRefused(await runCli(["--bogus", "x.json"]), /Unknown option '--bogus'/);
  assertRefused(await runCli(["-j", "0", "x.json"]), /--concurrency must be a whole number of 1 or more/);
  assertRefused(await runCli(["--output", "fancy", "x.json"]), /--output must be/);
  assertRefused(await runCli(["/no/such/tasks.json"]), /\/no\/such\/tasks\.json: .*\n.*no such file/);
  const help = await runCli(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: dagrun/);
});

test("an unknown property warns with a suggestion and the run goes on", async () => {
  const file = taskFile(`{"tasks": [
  {"name": "a", "type": "exec", "arguments": "true"},
  {"name": "b", "type": "exec", "arguments": "true", "dependecies": ["a"]}
]}`);
  const result = await runCli([file]);
  assert.equal(result.code, 0);
  assert.match(
    result.stderr,
    /tasks\.json:3:54: warning: unknown property "dependecies" in task "b" — did you mean "dependencies"\?/,
  );
});

test("JSONC from stdin", async () => {
  const result = await runCli(["-"], {
    stdin: `{ // comment
      "tasks": [{ "name": "hello", "type": "exec", "arguments": "echo hi", },],
    }`,
  });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^Started: hello\n\[hello\] hi\nEnded : hello\n/);
});

test("a task's stdin is empty, even when dagrun's stays open", async () => {
  const result = await runCli([taskFile({ tasks: [exec("reader", "cat; echo got-eof")] })], {
    keepStdinOpen: true,
    timeoutMs: 20_000,
  });
  assert.equal(result.code, 0);
  assert.match(result.stdout, /\[reader\] got-eof/);
});

test("stderr lines go to stderr, prefixed; death by signal is a failure", async () => {
  const result = await runCli([
    taskFile({ tasks: [exec("e", "echo out; echo err >&2"), exec("k", "kill -TERM $$")] }),
  ]);
  assert.equal(result.code, 1);
  assert.match(result.stdout, /\[e\] out\n/);
  assert.match(result.stderr, /\[e\] err\n/);
  assert.doesNotMatch(result.stdout, /\[e\] err/);
  assert.match(result.stdout, /\n {2}k +failed .*killed by SIGTERM\n/);
});

test("output of concurrent tasks: no line lost, duplicated, split or out of order", async () => {
  const n = 12;
  const lines = 3000;
  const tasks = [
    ...Array.from(
      { length: n },
      (_, t) =>
        exec(
          `t${t}`,
          `i=0; while [ $i -lt ${lines} ]; do echo "t${t} line $i ${"x".repeat(t * 7)}"; i=$((i+1)); done`,
        ),
    ),
    {
      name: "js",
      type: "eval",
      arguments: `for (let i = 0; i < ${lines}; i++) console.log("js line " + i);`,
    },
  ];
  const result = await runCli([taskFile({ tasks })]);
  assert.equal(result.code, 0, result.stderr);
  const seen = new Map<string, number>();
  for (const line of result.stdout.split("\n")) {
    const m = line.match(/^\[(\w+)\] (\w+) line (\d+)/);
    if (!m) continue;
    const [, prefix, name, i] = m;
    assert.equal(prefix, name, `line of ${name} attributed to ${prefix}`);
    if (name !== "js") {
      assert.equal(line, `[${name}] ${name} line ${i} ${"x".repeat(Number(name.slice(1)) * 7)}`);
    }
    assert.equal(Number(i), seen.get(name) ?? 0, `${name}: lines in order, none lost`);
    seen.set(name, Number(i) + 1);
  }
  assert.equal(seen.size, n + 1);
  for (const [name, count] of seen) assert.equal(count, lines, name);
});

test("--output raw passes bytes through, keeping an unfinished last line", async () => {
  const result = await runCli(["--output", "raw", taskFile({ tasks: [exec("a", "printf 'one\\ntwo'")] })]);
  assert.equal(result.code, 0);
  assert.match(result.stdout, /Started: a\none\ntwoEnded : a\n/);
});

test("a prefixed unfinished last line is completed with a newline", async () => {
  const result = await runCli([taskFile({ tasks: [exec("a", "printf 'one\\ntwo'")] })]);
  assert.match(result.stdout, /\[a\] one\n\[a\] two\nEnded : a\n/);
});

test("-j 2: never more than two tasks at once; the JSON report has the promised fields", async () => {
  const dir = tempDir();
  const report = join(dir, "report.json");
  const tasks = Array.from({ length: 6 }, (_, i) => exec(`s${i}`, "sleep 0.3"));
  const result = await runCli(["-j", "2", "--report-json", report, taskFile({ tasks })]);
  assert.equal(result.code, 0);
  const r = readJson(report);
  assert.deepEqual(Object.keys(r).sort(), ["durationMs", "interrupted", "ok", "tasks"]);
  assert.deepEqual([r.ok, r.interrupted], [true, false]);
  for (const t of r.tasks) {
    assert.deepEqual(Object.keys(t).sort(), [
      "durationMs",
      "endMs",
      "exitCode",
      "name",
      "startMs",
      "status",
      "type",
    ]);
  }
  // Sweep over starts and ends (an end before a start at the same instant) counting tasks running.
  const edges = r.tasks.flatMap((t) => [[t.startMs!, 1], [t.endMs!, -1]]).sort((a, b) =>
    a[0] - b[0] || a[1] - b[1]
  );
  let running = 0;
  let most = 0;
  for (const [, delta] of edges) most = Math.max(most, running += delta);
  assert.equal(most, 2);
  assert.ok(r.durationMs >= 850, "three rounds of 0.3 s");
});

test("a task that leaves a background process ends when its shell exits; the process is stopped at the end", async () => {
  const pidFile = join(tempDir(), "pid");
  const started = Date.now();
  const result = await runCli([taskFile({
    tasks: [exec("bg", `sleep 60 & echo $! > ${pidFile}; echo started`), exec("after", "sleep 0.2", "bg")],
  })]);
  assert.equal(result.code, 0, result.stderr);
  assert.ok(Date.now() - started < 20_000, "did not wait for the background sleep");
  const pid = Number(readFileSync(pidFile, "utf8"));
  assert.ok(await waitFor(() => !isAlive(pid), 3000), "the background process did not outlive dagrun");
});

test("Ctrl-C: running tasks and their grandchildren are stopped, the rest skipped, report written, exit 130", async () => {
  const dir = tempDir();
  const pids = join(dir, "pids");
  const report = join(dir, "report.json");
  const file = taskFile({
    tasks: [
      exec(
        "tree",
        `sleep 100 & echo $! >> ${pids}; sh -c 'sleep 100' & echo $! >> ${pids}; echo ready; wait`,
      ),
      { name: "js", type: "eval", arguments: "await new Promise((r) => setTimeout(r, 100000))" },
      exec("later", "echo should-not-run", "tree"),
    ],
  });
  let sent = false;
  const result = await runCli(["--report-json", report, file], {
    onStdout: (_text, child) => {
      if (!sent && existsSync(pids) && readFileSync(pids, "utf8").trim().split("\n").length === 2) {
        sent = true;
        sendSignal(child.pid!, "SIGINT");
      }
    },
    timeoutMs: 30_000,
  });
  assert.ok(sent, "the task started its grandchildren");
  assert.equal(result.code, 130, result.stderr);
  assert.match(result.stdout, /3 tasks: 0 ok, 2 failed, 1 skipped in .* \(interrupted\)/);
  const r = readJson(report);
  assert.equal(r.interrupted, true);
  assert.deepEqual(r.tasks.map((t) => [t.name, t.status, t.error ?? t.reason]), [
    ["tree", "failed", "interrupted"],
    ["js", "failed", "interrupted"],
    ["later", "skipped", "interrupted"],
  ]);
  assert.doesNotMatch(result.stdout, /should-not-run/);
  const children = readFileSync(pids, "utf8").trim().split("\n").map(Number);
  assert.ok(
    await waitFor(() => children.every((pid) => !isAlive(pid)), 2000),
    "no grandchild outlives dagrun",
  );
});

test("eval: an exception is printed for its task; a stray timer's error and a forgotten rejection do not stop dagrun", async () => {
  const result = await runCli([taskFile({
    tasks: [
      { name: "throws", type: "eval", arguments: "throw new Error('snippet failed')" },
      {
        name: "stray",
        type: "eval",
        arguments: "setTimeout(() => { throw new Error('late failure'); }, 10);",
      },
      { name: "forgets", type: "eval", arguments: "Promise.reject(new Error('forgotten rejection'));" },
      {
        name: "later",
        type: "eval",
        arguments: "await new Promise((r) => setTimeout(r, 300)); console.log('still here')",
      },
    ],
  })]);
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /^\[throws\] Error: snippet failed\n\[throws\] {5}at /m);
  assert.match(
    result.stderr,
    /^\[stray\] uncaught error \(after the task's body returned\): Error: late failure/m,
  );
  assert.match(result.stderr, /forgotten rejection/);
  assert.match(result.stdout, /\[later\] still here/);
  assert.match(result.stdout, /\n {2}throws +failed .*Error: snippet failed\n/);
  assert.match(result.stdout, /4 tasks: 3 ok, 1 failed, 0 skipped/);
});

test("a command at the system's limit runs; one byte more is refused before anything runs (exit 2)", async () => {
  // `: ` and a comment: a shell builtin, so it goes through `sh -c` as one argument.
  const atLimit = `: ${"x".repeat(131_071 - 2)}`;
  const ok = await runCli([taskFile({ tasks: [{ name: "max", type: "exec", arguments: atLimit }] })]);
  assert.equal(ok.code, 0, ok.stderr);
  const refused = await runCli([
    taskFile({
      tasks: [
        { name: "first", type: "exec", arguments: "echo ran" },
        { name: "over", type: "exec", arguments: atLimit + "x" },
      ],
    }),
  ]);
  assert.equal(refused.code, 2);
  assert.doesNotMatch(refused.stdout, /ran/);
  assert.match(refused.stderr, /task "over": the command is 131072 bytes long/);
});

test("a task name with a control character is refused before anything runs (exit 2), printed escaped", async () => {
  const { code, stdout, stderr } = await runCli([
    taskFile({
      tasks: [{ name: "ok", type: "exec", arguments: "echo ran" }, {
        name: "a\u001b]0;x\u0007",
        type: "exec",
        arguments: "true",
      }],
    }),
  ]);
  assert.equal(code, 2);
  assert.equal(stdout, "");
  assert.match(stderr, /task #2: the name contains a control character \(U\+001B\) at character 2/);
  assert.ok(!stderr.includes("\u001b"), stderr);
});
