import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import process from "node:process";
import { test } from "node:test";
import { run, type RunEvent, type Task } from "../mod.ts";
import { compile, isSharedCode } from "../src/executors/snippet_compile.ts";
import { taskOfError } from "../src/executors/snippet_errors.ts";
import { ev, isDeno } from "./_helpers.ts";

async function outputOf(tasks: Task[], options: Parameters<typeof run>[1] = {}) {
  const out: string[] = [];
  const decoder = new TextDecoder();
  const report = await run(tasks, {
    ...options,
    onEvent: (e: RunEvent) => {
      if (e.type === "output") out.push(`${e.task.name} ${e.stream} ${decoder.decode(e.data)}`);
    },
  });
  return { report, out };
}

test("console output is attributed to the task, stdout and stderr apart", async () => {
  const { report, out } = await outputOf([
    ev("a", "console.log('hi %d', 42); console.error('oops'); console.warn({ x: 1 })"),
  ]);
  assert.equal(report.tasks[0].status, "ok");
  assert.deepEqual(out, ["a stdout hi 42\n", "a stderr oops\n", "a stderr { x: 1 }\n"]);
});

test("await works, and snippets share globals (the assignment's in-process exec)", async () => {
  const { report, out } = await outputOf([
    ev("set", "await new Promise((r) => setTimeout(r, 10)); globalThis.__dagrunShared = 7;"),
    ev("get", "console.log(globalThis.__dagrunShared)", "set"),
  ]);
  assert.equal(report.ok, true);
  assert.deepEqual(out, ["get stdout 7\n"]);
  delete (globalThis as Record<string, unknown>).__dagrunShared;
});

test("a snippet does not see dagrun's internals, only its console and signal", async () => {
  const { out } = await outputOf([
    ev("a", "console.log(typeof task, typeof ctx, typeof signal, typeof console.log)"),
  ]);
  assert.deepEqual(out, ["a stdout undefined undefined object function\n"]);
});

test("a thrown error fails the task; its message and stack are printed for the task", async () => {
  const { report, out } = await outputOf([
    ev("boom", "function inner() { throw new TypeError('bad thing'); }\ninner();"),
  ]);
  assert.equal(report.tasks[0].status, "failed");
  assert.equal(report.tasks[0].error, "TypeError: bad thing");
  assert.equal(out.length, 1);
  assert.match(
    out[0],
    /^boom stderr TypeError: bad thing\n\s+at inner \(task boom:1:26\)\n\s+at .*\(task boom:2:1\)\n$/,
  );
  assert.doesNotMatch(out[0], /scheduler\.ts/, "dagrun's own frames are cut");
});

test("a rejected promise, a thrown non-Error and a syntax error fail the task", async () => {
  const { report } = await outputOf([
    ev("rejects", "await Promise.reject(new RangeError('nope'))"),
    ev("throws-string", "throw 'just a string'"),
    ev("syntax", "this is not javascript"),
  ]);
  assert.deepEqual(report.tasks.map((t) => [t.status, t.error]), [
    ["failed", "RangeError: nope"],
    ["failed", "just a string"],
    ["failed", report.tasks[2].error],
  ]);
  assert.match(report.tasks[2].error!, /^SyntaxError/);
});

test("cancellation: the snippet's signal is aborted and the task fails as interrupted at once", async () => {
  const controller = new AbortController();
  let sawAbort = false;
  (globalThis as Record<string, unknown>).__dagrunSawAbort = () => (sawAbort = true);
  setTimeout(() => controller.abort(), 30);
  const started = performance.now();
  const report = await run([
    ev(
      "heeds",
      "await new Promise((r) => signal.addEventListener('abort', r)); globalThis.__dagrunSawAbort();",
    ),
    ev("ignores", "await new Promise((r) => setTimeout(r, 3000));"),
  ], { signal: controller.signal });
  assert.ok(performance.now() - started < 2000, "did not wait for the snippet that ignores its signal");
  assert.deepEqual(report.tasks.map((t) => [t.status, t.error]), [["failed", "interrupted"], [
    "failed",
    "interrupted",
  ]]);
  assert.equal(report.interrupted, true);
  assert.equal(sawAbort, true);
  delete (globalThis as Record<string, unknown>).__dagrunSawAbort;
});

test("the task of a snippet's error is read from its stack, whatever its name", async () => {
  let caught: unknown;
  (globalThis as Record<string, unknown>).__dagrunCatch = (e: unknown) => (caught = e);
  await run([ev("odd, name:(x)", "globalThis.__dagrunCatch(new Error('x'))")]);
  assert.equal(taskOfError(caught), "odd, name:(x)");
  assert.equal(taskOfError(new Error("not from a snippet")), undefined);
  delete (globalThis as Record<string, unknown>).__dagrunCatch;
});

test("tasks that share their code (compiled once) each name themselves in their errors", async () => {
  const code = "const { log } = console; log(typeof console.time); throw new Error('same code')";
  const { report, out } = await outputOf([ev("first", code), ev("second", code)]);
  assert.deepEqual(report.tasks.map((t) => t.status), ["failed", "failed"]);
  assert.deepEqual(out.filter((o) => o.includes("stdout")), [
    "first stdout function\n",
    "second stdout function\n",
  ]);
  const stderr = out.filter((o) => o.includes("stderr"));
  assert.match(stderr[0], /^first stderr Error: same code\n\s+at .*\(task first:1:\d+\)/);
  assert.match(stderr[1], /^second stderr Error: same code\n\s+at .*\(task second:1:\d+\)/);
});

test("a late error from code that several tasks share is not pinned on one of them", async () => {
  const late = (suffix: string) => `globalThis.__dagrunLate${suffix} = () => { throw new Error('late') }`;
  const thrown = (suffix: string) => {
    try {
      (globalThis as unknown as Record<string, () => void>)[`__dagrunLate${suffix}`]();
    } catch (e) {
      return e;
    } finally {
      delete (globalThis as Record<string, unknown>)[`__dagrunLate${suffix}`];
    }
  };
  await run([ev("alone", late("A"))]);
  assert.equal(taskOfError(thrown("A")), "alone");
  await run([ev("one", late("B")), ev("two", late("B"))]);
  assert.equal(taskOfError(thrown("B")), undefined);
});

test("compile cache: code shared by two tasks is known as shared until the cache is cleared", () => {
  const code = "return 'shared-code-of-two-tasks'";
  compile(ev("first owner", code));
  assert.equal(isSharedCode("first owner"), false);
  assert.equal(compile(ev("second user", code)), compile(ev("first owner", code)), "compiled once");
  assert.equal(isSharedCode("first owner"), true);
  // 1024 other snippets fill the cache: it is cleared, and what it knew of sharing with it.
  for (let i = 0; i < 1024; i++) compile(ev(`filler ${i}`, `return ${i}`));
  assert.equal(isSharedCode("first owner"), false);
});

test("the eval executor called directly, with no run to prepare it, loads its console first", () => {
  // A fresh process: in this one, other tests' runs have loaded the console already.
  const modUrl = new URL(`../mod.${isDeno ? "ts" : "js"}`, import.meta.url).href;
  const program = `
    import { builtinExecutors } from ${JSON.stringify(modUrl)};
    const lines = [];
    const ctx = {
      signal: new AbortController().signal, killSignal: new AbortController().signal,
      onStop: () => () => {}, onKill: () => () => {}, graceMs: 100, defer() {}, started() {},
      output: (stream, data) => void lines.push(stream + " " + new TextDecoder().decode(data)),
    };
    const task = { name: "t", type: "eval", arguments: "console.log('hi'); console.count('n')", dependencies: [] };
    const outcome = await builtinExecutors.eval(task, ctx);
    console.log(JSON.stringify({ outcome, lines }));`;
  const argv = isDeno ? ["eval", program] : ["--input-type=module", "-e", program];
  const out = execFileSync(process.execPath, argv, { encoding: "utf8" });
  assert.deepEqual(JSON.parse(out), { outcome: { ok: true }, lines: ["stdout hi\n", "stdout n: 1\n"] });
});
