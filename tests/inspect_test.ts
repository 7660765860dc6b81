import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { formatGraph, planOf, selectTasks, TaskGraph } from "../mod.ts";
import { examplesDir, runCli, taskFile, tempDir } from "./_helpers.ts";

const example = join(examplesDir, "example.json");

test("planOf: levels by longest distance from a root, and the longest chain", () => {
  const graph = TaskGraph.from([
    { name: "a", type: "exec", arguments: "" },
    { name: "b", type: "exec", arguments: "", dependencies: ["a"] },
    { name: "c", type: "exec", arguments: "", dependencies: ["a", "b"] },
    { name: "d", type: "exec", arguments: "" },
  ]);
  const plan = planOf(graph);
  assert.deepEqual(plan.levels, [[0, 3], [1], [2]]);
  assert.deepEqual(plan.longestChain, [0, 1, 2]);
});

test("check: prints the plan, exit 0, runs nothing", async () => {
  const result = await runCli(["check", example]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(
    result.stdout,
    `${example}: valid
9 tasks, 8 dependencies, 4 levels
Levels (a task starts once its dependencies on earlier levels succeed):
  1  (3)  task1, task4, task7
  2  (2)  task3, task5
  3  (2)  task2, task6
  4  (2)  task8, task9
Critical path by task count (the longest chain, 4 tasks, in run order):
  task1 → task3 → task2 → task8
No warnings.
`,
  );
});

test("check: invalid files get the run's message and exit 2; warnings are listed", async () => {
  const bad = await runCli([
    "check",
    taskFile({ tasks: [{ name: "a", type: "exec", arguments: "", dependencies: ["b"] }] }),
  ]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /tasks\.json:\d+:\d+: task "a": unknown dependency "b"/);
  assert.equal(bad.stdout, "");
  const marker = join(tempDir(), "ran");
  const warned = await runCli([
    "check",
    taskFile({ tasks: [{ name: "a", type: "exec", arguments: `touch ${marker}`, dependecies: [] }] }),
  ]);
  assert.equal(warned.code, 0);
  assert.match(warned.stdout, /Warnings:\n {2}.*tasks\.json:\d+:\d+: .*"dependecies".*\n/);
  assert.match(warned.stdout, /did you mean "dependencies"/);
  const missing = await runCli(["check"]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /missing task file/);
});

test("check with targets: the plan of the selection", async () => {
  const result = await runCli(["check", example, "task2", "--exclude", "task3"]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /Selected 2 of 9 tasks, 1 excluded\n2 tasks, 1 dependency, 2 levels\n/);
});

test("--dry-run: what would run, in start order, and what would be skipped; nothing runs", async () => {
  const marker = join(tempDir(), "ran");
  const file = taskFile({
    tasks: [
      { name: "late", type: "exec", arguments: `touch ${marker}`, dependencies: ["early"] },
      { name: "early", type: "exec", arguments: `touch ${marker}` },
      { name: "other", type: "eval", arguments: "throw new Error('ran')" },
      { name: "off", type: "exec", arguments: `touch ${marker}` },
    ],
  });
  const result = await runCli([file, "--dry-run", "--exclude", "off"]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(
    result.stdout,
    `   -  off  skipped: excluded
   1. early  exec: touch ${marker}
   2. other  eval: throw new Error('ran')
   3. late  exec: touch ${marker}
Would run 3 tasks, skip 1; nothing was run.
`,
  );
  const targeted = await runCli([file, "late", "--dry-run"]);
  assert.match(
    targeted.stdout,
    /^ {3}1\. early .*\n {3}2\. late .*\nWould run 2 tasks; nothing was run\.\n$/,
  );
  assert.equal(existsSync(marker), false);
});

test("graph --format dot: arrows from a task to its dependencies, as in the assignment's picture", async () => {
  const result = await runCli(["graph", example]);
  assert.equal(result.code, 0, result.stderr);
  const edges = [...result.stdout.matchAll(/^ {2}"(\w+)" -> "(\w+)";$/gm)].map((m) => `${m[1]}->${m[2]}`);
  assert.deepEqual(edges.sort(), [
    "task2->task3",
    "task2->task5",
    "task3->task1",
    "task5->task4",
    "task6->task5",
    "task8->task2",
    "task9->task2",
    "task9->task6",
  ]);
  assert.match(result.stdout, /^digraph dagrun \{\n/);
  assert.match(result.stdout, /^ {2}"task7";$/m);
});

test("graph --format mermaid --report: nodes filled by the statuses of a finished run", async () => {
  const reportPath = join(tempDir(), "report.json");
  const file = taskFile({
    tasks: [
      { name: "a", type: "exec", arguments: "true" },
      { name: 'b "quoted"', type: "exec", arguments: "false", dependencies: ["a"] },
      { name: "c", type: "exec", arguments: "true", dependencies: ['b "quoted"'] },
    ],
  });
  await runCli([file, "--report-json", reportPath]);
  const result = await runCli(["graph", file, "--format", "mermaid", "--report", reportPath]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(
    result.stdout,
    `graph TD
  t0["a"]
  t1["b #34;quoted#34;"]
  t2["c"]
  t1 --> t0
  t2 --> t1
  classDef ok fill:#b7e4b7
  class t0 ok
  classDef failed fill:#f4a6a6
  class t1 failed
  classDef skipped fill:#d9d9d9
  class t2 skipped
`,
  );
  const dot = await runCli(["graph", file, "--report", reportPath]);
  assert.match(
    dot.stdout,
    /^ {2}"b \\"quoted\\"" \[style=filled, fillcolor="#f4a6a6", tooltip="failed"\];$/m,
  );
});

test("graph: a bad format or report is exit 2 with a clear message", async () => {
  const badFormat = await runCli(["graph", example, "--format", "svg"]);
  assert.equal(badFormat.code, 2);
  assert.match(badFormat.stderr, /--format must be "dot" or "mermaid", not "svg"/);
  const notReport = join(tempDir(), "x.json");
  writeFileSync(notReport, "[1, 2]");
  const badReport = await runCli(["graph", example, "--report", notReport]);
  assert.equal(badReport.code, 2);
  assert.match(badReport.stderr, /x\.json: the report is not a dagrun report/);
  const badStatus = join(tempDir(), "status.json");
  writeFileSync(badStatus, JSON.stringify({ tasks: [{ name: "task1", status: "done", durationMs: 1 }] }));
  assert.match(
    (await runCli(["graph", example, "--report", badStatus])).stderr,
    /status\.json: the report is not a dagrun report: expected \{"tasks"/,
  );
  const missing = await runCli(["graph", example, "--report", join(tempDir(), "gone.json")]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /gone\.json: cannot read the report: no such file/);
});

test("formatGraph: a selection's graph has only its tasks", () => {
  const graph = TaskGraph.from([
    { name: "base", type: "exec", arguments: "" },
    { name: "lib", type: "exec", arguments: "", dependencies: ["base"] },
    { name: "other", type: "exec", arguments: "" },
  ]);
  const selected = selectTasks(graph, { targets: ["lib"] }).graph;
  assert.equal(
    formatGraph(selected),
    'digraph dagrun {\n  node [shape=ellipse];\n  "base";\n  "lib";\n  "lib" -> "base";\n}\n',
  );
});
