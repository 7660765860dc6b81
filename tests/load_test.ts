import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { loadTaskFile, parseTaskFile, TaskFileError, taskFileSchema } from "../mod.ts";
import { examplesDir, taskFile } from "./_helpers.ts";

/** The TaskFileError that parsing `text` throws. */
function problemsOf(text: string, name = "t.json"): TaskFileError {
  try {
    parseTaskFile(text, name);
  } catch (e) {
    assert.ok(e instanceof TaskFileError, `expected a TaskFileError, got ${e}`);
    return e;
  }
  assert.fail("expected the file to be rejected");
}

test("plain JSON loads with tasks in file order and a graph", () => {
  const file = parseTaskFile(JSON.stringify({
    tasks: [
      { name: "b", type: "exec", arguments: "true", dependencies: ["a"] },
      { name: "a", type: "eval", arguments: "" },
    ],
  }));
  assert.deepEqual(file.tasks.map((t) => t.name), ["b", "a"]);
  assert.deepEqual([...file.graph.order], [1, 0]);
  assert.deepEqual(file.warnings, []);
});

test("JSONC: comments, trailing commas and a BOM are accepted", () => {
  const file = parseTaskFile(`\uFEFF{
    // a line comment
    "tasks": [
      /* a block comment */
      { "name": "a", "type": "exec", "arguments": "true", },
    ],
  }`);
  assert.equal(file.tasks[0].name, "a");
});

test("a syntax error names file, line and column", () => {
  const e = problemsOf('{\n  "tasks": [\n    { "name": "a" "type": "exec" }\n  ]\n}');
  assert.equal(e.problems.length, 1);
  assert.equal(e.problems[0].line, 3);
  assert.equal(e.problems[0].column, 19);
  assert.match(
    e.message,
    /^t\.json: 1 problem, nothing was run:\n {2}t\.json:3:19: invalid JSON: comma expected/,
  );
});

test("an empty file is a syntax error, not a crash", () => {
  assert.match(problemsOf("").message, /t\.json:1:1: invalid JSON/);
});

test("schema problems: every one is listed, each with task name and place", () => {
  const e = problemsOf(`{
  "tasks": [
    { "name": "a", "type": "shell", "arguments": "true" },
    { "name": "b", "arguments": "true" },
    { "name": "c", "type": "exec", "arguments": 42 },
    { "name": "d", "type": "exec", "arguments": "x", "dependencies": "a" }
  ]
}`);
  const byTask = Object.fromEntries(e.problems.map((p) => [p.task, p]));
  assert.equal(e.problems.length, 4);
  assert.match(byTask.a.message, /"type" must be one of: exec, eval/);
  assert.equal(byTask.a.line, 3);
  assert.match(byTask.b.message, /missing required property "type"/);
  assert.equal(byTask.b.line, 4);
  assert.match(byTask.c.message, /"arguments" must be a string/);
  assert.deepEqual([byTask.c.line, byTask.c.column], [5, 36]);
  assert.match(byTask.d.message, /"dependencies" must be an array/);
  assert.ok(e.problems.every((p) => p.hint), "every problem says how to fix it");
});

test("the top level must be an object with a tasks list", () => {
  assert.match(problemsOf("[]").message, /must be an object/);
  assert.match(problemsOf("{}").message, /missing required property "tasks"/);
  assert.match(problemsOf('{"tasks": {}}').message, /"tasks" is a list/);
});

test("graph problems: duplicates, unknown and self dependencies and cycles, all at once", () => {
  const e = problemsOf(`{"tasks": [
  {"name": "task1", "type": "exec", "arguments": "true"},
  {"name": "task1", "type": "exec", "arguments": "true"},
  {"name": "b", "type": "exec", "arguments": "true", "dependencies": ["tsk1"]},
  {"name": "c", "type": "exec", "arguments": "true", "dependencies": ["c"]},
  {"name": "x", "type": "exec", "arguments": "true", "dependencies": ["y"]},
  {"name": "y", "type": "exec", "arguments": "true", "dependencies": ["x"]}
]}`);
  assert.equal(e.problems.length, 4);
  const [dup, unknown, self, cycle] = e.problems;
  assert.match(cycle.message, /^cycle of 2 tasks: x -> y -> x/);
  assert.match(dup.message, /duplicate task name/);
  assert.equal(dup.line, 3);
  assert.match(unknown.message, /unknown dependency "tsk1"/);
  assert.equal(unknown.hint, 'did you mean "task1"?');
  assert.deepEqual([unknown.line, unknown.column], [4, 71]);
  assert.match(self.message, /depends on itself/);
  assert.match(
    e.message,
    /t\.json:4:71: task "b": unknown dependency "tsk1"\n {4}fix: did you mean "task1"\?/,
  );
});

test("a cycle is printed as a path, at the dependency that closes it", () => {
  const e = problemsOf(`{"tasks": [
  {"name": "a", "type": "exec", "arguments": "true", "dependencies": ["c"]},
  {"name": "b", "type": "exec", "arguments": "true", "dependencies": ["a"]},
  {"name": "c", "type": "exec", "arguments": "true", "dependencies": ["b"]},
  {"name": "ok", "type": "exec", "arguments": "true"},
  {"name": "x", "type": "exec", "arguments": "true", "dependencies": ["y"]},
  {"name": "y", "type": "exec", "arguments": "true", "dependencies": ["x"]},
  {"name": "behind", "type": "exec", "arguments": "true", "dependencies": ["x"]}
]}`);
  assert.deepEqual(e.problems.map((p) => p.message.split(" (")[0]), [
    "cycle of 3 tasks: a -> c -> b -> a",
    "cycle of 2 tasks: x -> y -> x",
  ]);
  assert.equal(e.problems[0].line, 2);
});

test("an unknown task property is a warning with a suggestion, not an error", () => {
  const file = parseTaskFile(`{"tasks": [
  {"name": "a", "type": "exec", "arguments": "true"},
  {"name": "b", "type": "exec", "arguments": "true", "dependecies": ["a"]},
  {"name": "c", "type": "exec", "arguments": "true", "color": "red"}
]}`);
  assert.equal(file.warnings.length, 2);
  assert.equal(
    file.warnings[0].message,
    'unknown property "dependecies" in task "b" — did you mean "dependencies"?',
  );
  assert.deepEqual([file.warnings[0].line, file.warnings[0].column], [3, 54]);
  assert.match(file.warnings[1].message, /unknown property "color" in task "c" \(ignored\)/);
});

test("multi-line snippets are accepted (the seed schema's ^(.*)$ patterns are dropped)", () => {
  const file = parseTaskFile(
    JSON.stringify({ tasks: [{ name: "a", type: "eval", arguments: "let x = 1;\nx++" }] }),
  );
  assert.equal(file.tasks[0].arguments, "let x = 1;\nx++");
});

test("the seed's example file is accepted as it is", async () => {
  // A copy of shared/seed/example-input1.json, the assignment's own file (Python snippets and all).
  const seed = new URL("../tests/fixtures/seed-example-input1.json", `file://${examplesDir}/`);
  const file = parseTaskFile(readFileSync(seed, "utf8"), "example-input1.json");
  assert.equal(file.tasks.length, 9);
  assert.equal((await loadTaskFile(`${examplesDir}/example.json`)).tasks.length, 9);
});

test("loading: a missing file and invalid UTF-8 are TaskFileErrors naming the file", async () => {
  await assert.rejects(loadTaskFile("/nonexistent/tasks.json"), (e: unknown) => {
    assert.ok(e instanceof TaskFileError);
    assert.match(e.message, /^\/nonexistent\/tasks\.json: 1 problem.*\n.*no such file/);
    return true;
  });
  const path = taskFile("{}");
  const { writeFileSync } = await import("node:fs");
  writeFileSync(path, new Uint8Array([0x7b, 0x0a, 0x20, 0xff, 0xfe, 0x7d]));
  await assert.rejects(loadTaskFile(path), /:2:2: the file is not valid UTF-8 text/);
});

test("schema/tasks.schema.json is the schema the code uses", () => {
  const onDisk = JSON.parse(
    readFileSync(new URL("../schema/tasks.schema.json", `file://${examplesDir}/`), "utf8"),
  );
  assert.deepEqual(onDisk, JSON.parse(JSON.stringify(taskFileSchema)));
});

test("a long list of problems is cut to one screen", () => {
  const tasks = Array.from(
    { length: 40 },
    (_, i) => ({ name: `t${i}`, type: "exec", arguments: "x", dependencies: ["nope"] }),
  );
  const e = problemsOf(JSON.stringify({ tasks }));
  assert.equal(e.problems.length, 40);
  assert.ok(e.message.split("\n").length <= 35, "fits on a screen");
  assert.match(e.message, /… and 25 more$/);
});

test("a problem deep inside 20 000 nested brackets still gets its line and column", () => {
  const deep = "[".repeat(20_000) + "]".repeat(20_000);
  const e = problemsOf(`{"tasks": [
  {"name": "a", "type": "exec", "arguments": "true", "dependencies": ${deep}}
]}`);
  assert.equal(e.problems.length, 1);
  assert.deepEqual([e.problems[0].line, e.problems[0].column], [2, 71]);
});

test("task names: empty or with a control character (C0, DEL, C1) are refused with the task's number", () => {
  const names = ["", "new\nline", "t\u001b]0;title\u0007", "del\u007f", "csi\u009b", "tab\t", "ok"];
  const e = problemsOf(
    JSON.stringify({ tasks: names.map((name) => ({ name, type: "exec", arguments: "true" })) }),
  );
  assert.deepEqual(e.problems.map((p) => p.message), [
    "task #1: the name is empty",
    "task #2: the name contains a control character (U+000A) at character 4",
    "task #3: the name contains a control character (U+001B) at character 2",
    "task #4: the name contains a control character (U+007F) at character 4",
    "task #5: the name contains a control character (U+009B) at character 4",
    "task #6: the name contains a control character (U+0009) at character 4",
  ]);
  assert.ok(e.problems.every((p) => p.line !== undefined && p.hint));
  // Nothing unprintable reaches the message, whatever else is wrong with the task.
  const other = problemsOf(
    JSON.stringify({ tasks: [{ name: "x\u009b", type: "exec", arguments: "true", timeout: 0 }] }),
  );
  assert.ok(![...other.message].some((c) => c !== "\n" && (c < " " || (c >= "\u007f" && c <= "\u009f"))));
  assert.match(other.message, /task #1: "timeout" must be more than 0/);
});

test("messages name the place and the fix: dependencies[0], env values, a list at the top", () => {
  const e = problemsOf(`{"tasks": [
  {"name": "t5", "type": "exec", "arguments": "true", "dependencies": [1], "env": {"A": 1}}
]}`);
  assert.deepEqual(e.problems.map((p) => [p.message, p.hint, p.line]), [
    ["dependencies[0] must be a task name (a string), got 1", 'write it in quotes: "1"', 2],
    ['env "A" must be a string, got 1', 'write it in quotes: "1"', 2],
  ]);
  const top = problemsOf('[{"name": "a", "type": "exec", "arguments": "true"}]');
  assert.equal(top.problems[0].message, "file must be an object, got a list");
  assert.equal(top.problems[0].hint, 'put the list in an object: {"tasks": [ … ]}');
});

test("env: a NUL in a value, or '=' or NUL in a name, is refused at load", () => {
  const e = problemsOf(JSON.stringify({
    tasks: [{
      name: "a",
      type: "exec",
      arguments: "true",
      env: { OK: "x", B: "x\u0000y", "C=D": "v", "E\u0000": "" },
    }],
  }));
  assert.deepEqual(e.problems.map((p) => p.message), [
    '"env" has a variable named "C=D", which the system cannot pass',
    '"env" has a variable named "E\\u0000", which the system cannot pass',
    'env "B" contains a NUL character (\\0), which the system cannot pass',
  ]);
});

test("an exec command longer than the system takes in one argument is refused at load", () => {
  const long = `echo ${"x".repeat(200_000)}`;
  const e = problemsOf(JSON.stringify({
    tasks: [{ name: "long", type: "exec", arguments: long }, {
      name: "wide",
      type: "exec",
      arguments: `echo ${"é".repeat(70_000)}`,
    }],
  }));
  assert.deepEqual(e.problems.map((p) => p.task), ["long", "wide"]);
  assert.match(e.problems[0].message, /the command is 200005 bytes long; the system runs at most 131071/);
  assert.match(e.problems[0].hint!, /script file/);
  // An eval snippet has no such limit.
  parseTaskFile(
    JSON.stringify({ tasks: [{ name: "e", type: "eval", arguments: `// ${"x".repeat(200_000)}` }] }),
  );
});
