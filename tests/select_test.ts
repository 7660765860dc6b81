import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { run, selectTasks, type Task, TaskFileError, TaskGraph } from "../mod.ts";
import { examplesDir, readJson, runCli, taskFile, tempDir } from "./_helpers.ts";

const exec = (name: string, command: string, ...dependencies: string[]): Task => ({
  name,
  type: "exec",
  arguments: command,
  dependencies,
});

/** a <- b <- c, d <- c; e alone. */
const diamond = TaskGraph.from([
  exec("a", "true"),
  exec("b", "true", "a"),
  exec("d", "true"),
  exec("c", "true", "b", "d"),
  exec("e", "true"),
]);
const names = (g: TaskGraph) => g.tasks.map((t) => t.name);

test("selectTasks: a target brings what it depends on, nothing else, in file order", () => {
  assert.deepEqual(names(selectTasks(diamond, { targets: ["c"] }).graph), ["a", "b", "d", "c"]);
  assert.deepEqual(names(selectTasks(diamond, { targets: ["b", "e"] }).graph), ["a", "b", "e"]);
  const all = selectTasks(diamond);
  assert.equal(all.graph, diamond);
  assert.equal(all.skip.size, 0);
});

test("selectTasks: an exclusion is skipped with its dependents; what only they needed is left out", async () => {
  const { graph, skip } = selectTasks(diamond, { targets: ["c"], exclude: ["b"] });
  // a was needed only by b, which will not run; d is needed by c, which is skipped too.
  assert.deepEqual(names(graph), ["b", "c"]);
  assert.deepEqual([...skip].map(([i, why]) => [graph.tasks[i].name, why]), [["b", "excluded"]]);
  const report = await run(graph, { skip });
  assert.deepEqual(report.tasks.map((t) => [t.name, t.status, t.reason]), [
    ["b", "skipped", "excluded"],
    ["c", "skipped", "dependency b excluded"],
  ]);
  assert.equal(report.ok, true, "tasks skipped as asked do not fail the run");

  const everything = selectTasks(diamond, { exclude: ["d"] });
  assert.deepEqual(names(everything.graph), ["a", "b", "d", "c", "e"]);
  const r = await run(everything.graph, { skip: everything.skip });
  assert.deepEqual(r.tasks.map((t) => t.status), ["ok", "ok", "skipped", "skipped", "ok"]);
  assert.equal(r.ok, true);
});

test("selectTasks: unknown names are all reported, with a suggestion", () => {
  assert.throws(
    () => selectTasks(diamond, { targets: ["cc", "zzz"], exclude: ["bb"], file: "f.json" }),
    (e: unknown) => {
      assert.ok(e instanceof TaskFileError);
      assert.equal(e.file, "f.json");
      assert.deepEqual(e.problems.map((p) => [p.message, p.hint]), [
        ['unknown target "cc"', 'did you mean "c"?'],
        ['unknown target "zzz"', "name one of: a, b, d, c, e"],
        ['unknown excluded task "bb"', 'did you mean "b"?'],
      ]);
      return true;
    },
  );
});

test("CLI targets: only the targets and their dependencies run, in a report of those tasks", async () => {
  const reportPath = join(tempDir(), "report.json");
  const result = await runCli([
    join(examplesDir, "example.json"),
    "task3",
    "task7",
    "--report-json",
    reportPath,
  ]);
  assert.equal(result.code, 0, result.stderr);
  const report = readJson(reportPath);
  assert.deepEqual(report.tasks.map((t) => [t.name, t.status]), [
    ["task1", "ok"],
    ["task3", "ok"],
    ["task7", "ok"],
  ]);
  assert.doesNotMatch(result.stdout, /Started: task[245689]/);
  assert.match(result.stdout, /3 tasks: 3 ok, 0 failed, 0 skipped/);
});

test("CLI --exclude: excluded tasks and their dependents are skipped with the reason, exit 0", async () => {
  const file = taskFile({
    tasks: [
      exec("lint", "true"),
      exec("build", "true"),
      exec("test", "true", "build"),
      exec("deploy", "true", "test", "lint"),
    ],
  });
  const result = await runCli([file, "--exclude", "test", "--exclude", "lint"]);
  assert.equal(result.code, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /\n {2}lint +skipped +- +skipped: excluded\n/);
  assert.match(result.stdout, /\n {2}test +skipped +- +skipped: excluded\n/);
  assert.match(result.stdout, /\n {2}deploy +skipped +- +skipped: dependency (test|lint) excluded\n/);
  assert.match(result.stdout, /Started: build\n/);
  assert.match(result.stdout, /4 tasks: 1 ok, 0 failed, 3 skipped/);
});

test("CLI: an unknown target or exclusion is exit 2 with a did-you-mean, nothing run", async () => {
  const example = join(examplesDir, "example.json");
  for (const args of [[example, "task88"], [example, "--exclude", "tsk2"]]) {
    const result = await runCli(args);
    assert.equal(result.code, 2);
    assert.equal(result.stdout, "");
    assert.match(
      result.stderr,
      /example\.json: unknown (target "task88"|excluded task "tsk2")\n +fix: did you mean "task(8|2)"\?/,
    );
  }
});

test("CLI: a task file named like a command runs through a path or the run command", async () => {
  const file = taskFile({ tasks: [exec("a", "echo from-check")] }, "check");
  const cwd = join(file, "..");
  for (const args of [["./check"], ["run", "check"]]) {
    const result = await runCli(args, { cwd });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /\[a\] from-check\n/);
  }
  const check = await runCli(["check", "check"], { cwd });
  assert.equal(check.code, 0);
  assert.match(check.stdout, /^check: valid\n/);
});
