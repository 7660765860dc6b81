/** `--eval-isolation worker`: each eval task in a worker thread of its own. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { run, type RunEvent, type Task, workerEvalExecutor } from "../mod.ts";
import { readJson, runCli, sendSignal, taskFile, tempDir } from "./_helpers.ts";
import { join } from "node:path";

const evalTask = (name: string, code: string, more: Partial<Task> = {}): Task => ({
  name,
  type: "eval",
  arguments: code,
  ...more,
});

/** Busy for `ms` of wall time, holding its thread the whole time. */
const spin = (ms: number) => `const end = Date.now() + ${ms}; while (Date.now() < end) {}`;

async function inWorkers(tasks: Task[], options: Parameters<typeof run>[1] = {}) {
  const output: string[] = [];
  const report = await run(tasks, {
    executors: { eval: workerEvalExecutor },
    ...options,
    onEvent: (e: RunEvent) => {
      if (e.type === "output") output.push(`${e.task.name} ${e.stream}: ${new TextDecoder().decode(e.data)}`);
    },
  });
  return {
    report,
    byName: Object.fromEntries(report.tasks.map((t) => [t.name, t])),
    output: output.join(""),
  };
}

test("worker: a timeout terminates even while (true) {}", async () => {
  const { byName } = await inWorkers([evalTask("spin", "while (true) {}", { timeout: 0.3 })]);
  assert.equal(byName.spin.status, "failed");
  assert.equal(byName.spin.error, "timed out after 0.3 s");
  assert.ok(byName.spin.durationMs! < 10_000);
});

test("worker: console output is attributed to the task; a failure carries the snippet's stack", async () => {
  const { byName, output } = await inWorkers([
    evalTask("hello", "console.log('hi', 1 + 1); console.error({ a: 1 })"),
    evalTask("bad", "function f() {\n  throw new Error('boom');\n}\nf();"),
    evalTask(
      "late",
      "setTimeout(() => { throw new Error('late'); }, 10); await new Promise((r) => setTimeout(r, 2000));",
    ),
    evalTask("syntax", "let = ;"),
  ]);
  assert.equal(byName.hello.status, "ok");
  assert.match(output, /^hello stdout: hi 2\n/m);
  assert.match(output, /^hello stderr: \{ a: 1 \}\n/m);
  assert.equal(byName.bad.error, "Error: boom");
  assert.match(output, /^bad stderr: Error: boom\n\s+at f \(task bad:2:9\)\n\s+at .*\(task bad:4:1\)/m);
  assert.equal(byName.late.error, "Error: late", "an error the snippet did not await fails it");
  assert.match(output, /late stderr: Error: late\n\s+at .*task late:1:/);
  assert.match(byName.syntax.error!, /^SyntaxError/);
});

test("worker: CPU-bound snippets leave the main thread free; each task has its own globals", async () => {
  const { byName } = await inWorkers([
    evalTask("busy", `${spin(1500)}; globalThis.mine = 1;`),
    evalTask("other", "if (globalThis.mine !== undefined) throw new Error('shared');"),
    { name: "timer", type: "exec", arguments: "sleep 0.1" },
  ]);
  assert.equal(byName.other.status, "ok");
  assert.equal(byName.busy.status, "ok");
  // Inline, the spin would hold the event loop: the exec task could not end before it.
  assert.ok(byName.timer.endMs! < byName.busy.endMs! - 700, `timer ended at ${byName.timer.endMs} ms`);
});

test("worker: two CPU-bound snippets run at the same time", async () => {
  const { byName } = await inWorkers([evalTask("a", spin(1500)), evalTask("b", spin(1500))]);
  const overlap = Math.min(byName.a.endMs!, byName.b.endMs!) - Math.max(byName.a.startMs!, byName.b.startMs!);
  assert.ok(overlap > 1000, `they overlapped ${overlap} ms`);
});

test("worker (CLI): Ctrl-C stops while (true) {}, the report is written, exit 130", async () => {
  const report = join(tempDir(), "report.json");
  const file = taskFile({
    tasks: [
      evalTask("spin", "console.log('spinning'); while (true) {}"),
      evalTask("after", "", { dependencies: ["spin"] }),
    ],
  });
  let sent = false;
  const result = await runCli(["--eval-isolation", "worker", "--report-json", report, file], {
    onStdout: (text, child) => {
      if (!sent && text.includes("[spin] spinning")) {
        sent = true;
        sendSignal(child.pid!, "SIGINT");
      }
    },
    timeoutMs: 30_000,
  });
  assert.ok(sent);
  assert.equal(result.code, 130, result.stderr);
  const r = readJson(report);
  assert.deepEqual(r.tasks.map((t) => [t.name, t.status, t.error ?? t.reason]), [
    ["spin", "failed", "interrupted"],
    ["after", "skipped", "interrupted"],
  ]);
});

test("CLI: --eval-isolation refuses an unknown mode", async () => {
  const result = await runCli(["--eval-isolation", "process", taskFile({ tasks: [evalTask("a", "")] })]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /--eval-isolation must be "inline" or "worker"/);
});
