/**
 * Snippets that try to take dagrun down (process.exit, values that cannot be printed, replaced
 * globals, blocking code) end only their own task: the run goes on, with a report. Through the
 * CLI, inline and in worker threads.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import type { Task } from "../mod.ts";
import { ev, holdThread, readJson, runCli, sendSignal, taskFile, tempDir } from "./_helpers.ts";

const MODES = ["inline", "worker"] as const;

/** Runs `tasks` through the CLI with a JSON report; the report's tasks by name. */
async function runTasks(tasks: Task[], mode: string) {
  const reportPath = join(tempDir(), "report.json");
  const result = await runCli(["--eval-isolation", mode, "--report-json", reportPath, taskFile({ tasks })], {
    timeoutMs: 30_000,
  });
  const report = readJson(reportPath);
  return { ...result, byName: Object.fromEntries(report.tasks.map((t) => [t.name, t])) };
}

for (const mode of MODES) {
  test(`${mode}: process.exit and Deno.exit in a snippet fail its task with that code; the run goes on`, async () => {
    const r = await runTasks([
      { name: "sleeper", type: "exec", arguments: "sleep 0.5; echo slept" },
      ev("px", "console.log('bye'); process.exit(3)"),
      ev("dx", "if (globalThis.Deno) Deno.exit(4); else process.exit(4);"),
      ev("deep", "const f = () => process.exit(5); await 0; [1].forEach(f)"),
      ev("zero", "process.exit(0); console.log('not reached')"),
      ev("after", "console.log('after ran')", { dependencies: ["zero"] }),
    ], mode);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.byName.sleeper.status, "ok");
    assert.match(r.stdout, /\[sleeper\] slept/);
    assert.match(r.stdout, /\[px\] bye/);
    assert.deepEqual([r.byName.px.status, r.byName.px.exitCode], ["failed", 3]);
    assert.equal(r.byName.px.error, "the snippet called process.exit(3)");
    assert.deepEqual([r.byName.dx.status, r.byName.dx.exitCode], ["failed", 4]);
    assert.match(r.byName.dx.error!, /^the snippet called (Deno|process)\.exit\(4\)$/);
    assert.deepEqual([r.byName.deep.status, r.byName.deep.exitCode], ["failed", 5]);
    assert.deepEqual([r.byName.zero.status, r.byName.zero.exitCode], ["ok", 0]);
    assert.doesNotMatch(r.stdout, /not reached/);
    assert.equal(r.byName.after.status, "ok");
  });

  test(`${mode}: any thrown value fails its task with a description, never a hang or a crash`, async () => {
    const values: Record<string, string> = {
      nullProto: "Object.create(null)",
      badToString: "{ toString() { throw new Error('no'); } }",
      symbol: "Symbol('sym')",
      bigint: "10n",
      proxy: "new Proxy({}, { get() { throw 1; }, getPrototypeOf() { throw 2; }, ownKeys() { throw 3; } })",
      nullValue: "null",
    };
    const r = await runTasks(
      [
        ...Object.entries(values).map(([name, value]) => ev(name, `throw ${value};`)),
        ...Object.entries(values).map(([name, value]) => ev(`${name}Async`, `await 0; throw ${value};`)),
        ev("fine", "console.log('fine')"),
      ],
      mode,
    );
    assert.equal(r.code, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /dagrun: uncaught error/);
    for (const name of Object.keys(values)) {
      for (const task of [name, `${name}Async`]) assert.equal(r.byName[task].status, "failed", task);
    }
    assert.equal(r.byName.nullProto.error, "[Object: null prototype] {}");
    assert.equal(r.byName.symbol.error, "Symbol(sym)");
    assert.equal(r.byName.bigint.error, "10n");
    assert.match(r.byName.badToString.error!, /toString/);
    assert.equal(r.byName.fine.status, "ok");
  });

  test(`${mode}: a snippet that returns after its timeout is failed (timed out), not ok`, async () => {
    const r = await runTasks([ev("late", holdThread(1500), { timeout: 0.3 })], mode);
    assert.equal(r.code, 1);
    assert.equal(r.byName.late.status, "failed");
    assert.equal(r.byName.late.error, "timed out after 0.3 s");
  });
}

test("inline: a snippet that replaces shared globals breaks only itself; the run ends with a report", async () => {
  const r = await runTasks([
    { name: "sleeper", type: "exec", arguments: "sleep 0.3; echo slept" },
    ev("promise", "globalThis.Promise = null;"),
    ev(
      "write",
      "process.stdout.write = () => { throw new Error('no'); }; process.stderr.write = () => true;",
    ),
    ev("denoWrite", "if (globalThis.Deno) { Deno.stdout.write = () => { throw new Error('no'); }; }"),
    ev("console", "delete globalThis.console;"),
    ev(
      "timers",
      "globalThis.setTimeout = null; globalThis.clearTimeout = null; globalThis.performance = null;",
    ),
    ev("encoder", "globalThis.TextEncoder = null; globalThis.TextDecoder = null;"),
    ev("later", "console.log('later ran')", {
      dependencies: ["promise", "write", "denoWrite", "console", "timers", "encoder"],
      timeout: 5,
    }),
  ], "inline");
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.byName.later.status, "ok");
  assert.match(r.stdout, /\[sleeper\] slept/);
  assert.match(r.stdout, /\[later\] later ran/);
  assert.match(r.stdout, /8 tasks: 8 ok/);
});

test("inline: Started: is on the terminal before a snippet that never yields; SIGKILL ends it", async () => {
  let pid = 0;
  const r = await runCli([taskFile({ tasks: [ev("spin", "while (true) {}")] })], {
    onSpawn: (child) => (pid = child.pid!),
    onStdout: (_text, _child) => {
      if (/Started: spin/.test(_text)) sendSignal(pid, "SIGKILL");
    },
    timeoutMs: 20_000,
  });
  assert.match(r.stdout, /^Started: spin$/m);
  assert.equal(r.signal, "SIGKILL");
});
