import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { type Executor, historyWeight, loadHistory, run, type Task, TaskFileError } from "../mod.ts";
import { runCli, taskFile, tempDir } from "./_helpers.ts";

const log = (order: string[]): Executor => (task) => (order.push(task.name), Promise.resolve({ ok: true }));
const c = (name: string, ...dependencies: string[]): Task => ({
  name,
  type: "log",
  arguments: "",
  dependencies,
});

/** A report as --report-json writes it, reduced to what history reads. */
const report = (durations: Record<string, number | null>) => ({
  ok: true,
  interrupted: false,
  durationMs: 1,
  tasks: Object.entries(durations).map(([name, durationMs]) => ({
    name,
    type: "exec",
    status: durationMs === null ? "skipped" : "ok",
    startMs: durationMs === null ? null : 0,
    endMs: durationMs,
    durationMs,
  })),
});

test("with history, one slot goes to the longest chain of measured durations, not the deepest", async () => {
  // By depth: a (a → a2 → a3) goes first. By duration: the single 500 ms task c is the longer chain.
  const tasks = [c("a"), c("a2", "a"), c("a3", "a2"), c("b"), c("c")];
  const depth: string[] = [];
  await run(tasks, { executors: { log: log(depth) }, concurrency: 1 });
  assert.deepEqual(depth, ["a", "a2", "a3", "b", "c"]);

  const weight = historyWeight(new Map([["a", 10], ["a2", 10], ["a3", 10], ["b", 40], ["c", 500]]));
  const history: string[] = [];
  await run(tasks, { executors: { log: log(history) }, concurrency: 1, weight });
  assert.deepEqual(history, ["c", "b", "a", "a2", "a3"]);
});

test("a task with no measured duration weighs the median of the measured ones", () => {
  const weight = historyWeight(new Map([["x", 10], ["y", 30], ["z", 1000]]));
  assert.equal(weight(c("new")), 30);
  assert.equal(weight(c("z")), 1000);
  assert.equal(historyWeight(new Map())(c("new")), 1);
});

test("loadHistory reads durations by name and leaves out tasks that never ran", async () => {
  const path = join(tempDir(), "report.json");
  writeFileSync(path, JSON.stringify(report({ a: 12.5, b: null })));
  assert.deepEqual([...await loadHistory(path)], [["a", 12.5]]);
});

test("loadHistory refuses a missing file, bad JSON and a file that is not a report", async () => {
  const dir = tempDir();
  const cases: [string, string | undefined, RegExp][] = [
    ["missing.json", undefined, /cannot read the history file: no such file/],
    ["bad.json", "{ nope", /the history file is not JSON/],
    [
      "tasks.json",
      JSON.stringify({ tasks: [{ name: "a", type: "exec", arguments: "true" }] }),
      /not a dagrun report/,
    ],
    ["list.json", "[1, 2]", /not a dagrun report/],
  ];
  for (const [name, content, message] of cases) {
    const path = join(dir, name);
    if (content !== undefined) writeFileSync(path, content);
    await assert.rejects(loadHistory(path), (e) => {
      assert.ok(e instanceof TaskFileError);
      assert.match(e.message, message);
      assert.ok(e.message.includes(path), "names the file");
      assert.match(e.message, /--report-json/, "says what to pass instead");
      return true;
    });
  }
});

test("CLI --history: -j 1 starts tasks in the order of the measured chains", async () => {
  const eval_ = (name: string, ...dependencies: string[]) => ({
    name,
    type: "eval",
    arguments: "",
    dependencies,
  });
  const file = taskFile({ tasks: [eval_("a"), eval_("a2", "a"), eval_("a3", "a2"), eval_("b"), eval_("c")] });
  const history = join(tempDir(), "last.json");
  writeFileSync(history, JSON.stringify(report({ a: 10, a2: 10, a3: 10, b: 40, c: 500 })));
  const started = (stdout: string) => [...stdout.matchAll(/^Started: (\S+)$/gm)].map((m) => m[1]);

  const plain = await runCli(["-j", "1", file]);
  assert.equal(plain.code, 0, plain.stderr);
  assert.deepEqual(started(plain.stdout), ["a", "a2", "a3", "b", "c"]);
  const weighted = await runCli(["-j", "1", "--history", history, file]);
  assert.equal(weighted.code, 0, weighted.stderr);
  assert.deepEqual(started(weighted.stdout), ["c", "b", "a", "a2", "a3"]);
});

test("CLI --history with a missing or invalid file: exit 2, a clear message, nothing run", async () => {
  const file = taskFile({ tasks: [{ name: "a", type: "exec", arguments: "true" }] });
  const bad = join(tempDir(), "bad.json");
  writeFileSync(bad, "{}");
  for (
    const [path, message] of [[join(tempDir(), "nope.json"), /no such file/], [
      bad,
      /not a dagrun report/,
    ]] as const
  ) {
    const result = await runCli(["-j", "2", "--history", path, file]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, message);
    assert.ok(result.stderr.includes(path));
    assert.doesNotMatch(result.stderr, /^\s+at /m, "no stack trace");
    assert.doesNotMatch(result.stdout, /Started:/);
  }
});
