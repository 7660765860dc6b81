/**
 * What a snippet sees, the same inline and in worker threads: `import()` relative to the task
 * file, a `console` whose every method is attributed to the task, and late errors of its timers.
 */
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import type { Task } from "../mod.ts";
import { renameImports } from "../src/executors/snippet_imports.ts";
import { runCli, taskFile, tempDir } from "./_helpers.ts";

const MODES = ["inline", "worker"] as const;

const ev = (name: string, code: string, more: Partial<Task> = {}): Task => ({
  name,
  type: "eval",
  arguments: code,
  ...more,
});

for (const mode of MODES) {
  test(`${mode}: import('./…') in a snippet resolves against the task file's folder (stdin: the current one)`, async () => {
    const file = taskFile({
      tasks: [
        ev("imp", "const { answer } = await import('./lib/answer.mjs'); console.log('answer', answer);"),
      ],
    });
    mkdirSync(join(dirname(file), "lib"));
    writeFileSync(join(dirname(file), "lib", "answer.mjs"), "export const answer = 42;\n");
    const elsewhere = tempDir();
    const fromFile = await runCli(["--eval-isolation", mode, file], { cwd: elsewhere });
    assert.equal(fromFile.code, 0, fromFile.stdout + fromFile.stderr);
    assert.match(fromFile.stdout, /^\[imp\] answer 42$/m);
    const fromStdin = await runCli(["--eval-isolation", mode, "-"], {
      cwd: dirname(file),
      stdin: readFileSync(file, "utf8"),
    });
    assert.equal(fromStdin.code, 0, fromStdin.stderr);
    assert.match(fromStdin.stdout, /^\[imp\] answer 42$/m);
  });

  test(`${mode}: every console method a snippet calls is attributed to its task`, async () => {
    const code = [
      "console.count(); console.count('n'); console.countReset('n'); console.count('n');",
      "console.time('t'); console.timeLog('t'); console.timeEnd('t');",
      "console.table([{ a: 1 }]); console.dir({ deep: { er: { est: 1 } } }, { depth: 0 }); console.dirxml('x');",
      "console.group('G'); console.log('inside'); console.groupCollapsed('H'); console.info('deeper');",
      "console.groupEnd(); console.groupEnd(); console.log('outside');",
      "const { count, log } = console; count('detached'); log('detached log');",
      "console.trace('here'); console.assert(false, 'asserted'); console.debug('debugged'); console.warn('warned');",
    ].join("\n");
    const { code: exit, stdout, stderr } = await runCli([
      "--eval-isolation",
      mode,
      taskFile({ tasks: [ev("c", code)] }),
    ]);
    assert.equal(exit, 0, stderr);
    const body = stdout.slice(stdout.indexOf("Started: c\n") + 11, stdout.indexOf("Ended : c"));
    const bodyLines = body.trimEnd().split("\n");
    assert.ok(bodyLines.length >= 15, body);
    for (const line of bodyLines) assert.match(line, /^\[c\] /, `unattributed: ${JSON.stringify(line)}`);
    for (const line of stderr.trimEnd().split("\n")) {
      assert.match(line, /^\[c\] /, `unattributed: ${JSON.stringify(line)}`);
    }
    for (
      const expected of [
        "[c] default: 1",
        "[c] n: 1",
        "[c] { deep: [Object] }",
        "[c]   inside",
        "[c]     deeper",
        "[c] outside",
        "[c] detached: 1",
        "[c] detached log",
        "[c] debugged",
      ]
    ) assert.ok(bodyLines.includes(expected), `${expected} in:\n${body}`);
    assert.match(stderr, /^\[c\] Trace: here$/m);
    assert.match(stderr, /^\[c\] Assertion failed: asserted$/m);
    assert.match(stderr, /^\[c\] warned$/m);
  });

  test(`${mode}: an error thrown by a snippet's timer after its task ended is printed for the task`, async () => {
    const { code, stderr } = await runCli([
      "--eval-isolation",
      mode,
      taskFile({
        tasks: [
          ev("late", "setTimeout(() => { throw new Error('late boom'); }, 200);"),
          { name: "wait", type: "exec", arguments: "sleep 1" },
        ],
      }),
    ]);
    assert.equal(code, 0, stderr);
    assert.match(stderr, /^\[late\] uncaught error \(after the task's body returned\): Error: late boom$/m);
  });
}

test("renameImports: import( calls only, not in strings, comments, regular expressions or member names", () => {
  assert.equal(
    renameImports(
      "await import('./a.mjs'); x.import('b'); 'import(1)'; // import(2)\n/import(/.test(s); myimport(3)",
    ),
    "await __dagrunImport('./a.mjs'); x.import('b'); 'import(1)'; // import(2)\n/import(/.test(s); myimport(3)",
  );
  assert.equal(
    renameImports("`a ${await import('./t.mjs')} import(no)`"),
    "`a ${await __dagrunImport('./t.mjs')} import(no)`",
  );
  assert.equal(renameImports("a / import('./d.mjs')"), "a / __dagrunImport('./d.mjs')");
});
