/** `--eval-isolation worker`: each eval task in a worker thread of its own. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { run, type RunEvent, type Task, workerEvalExecutor } from "../mod.ts";
import { ev, holdThread, readJson, runCli, sendSignal, taskFile, tempDir } from "./_helpers.ts";
import { join } from "node:path";

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
  const { byName } = await inWorkers([ev("spin", "while (true) {}", { timeout: 0.3 })]);
  assert.equal(byName.spin.status, "failed");
  assert.equal(byName.spin.error, "timed out after 0.3 s");
  assert.ok(byName.spin.durationMs! < 10_000);
});

test("worker: console output is attributed to the task; a failure carries the snippet's stack", async () => {
  const { byName, output } = await inWorkers([
    ev("hello", "console.log('hi', 1 + 1); console.error({ a: 1 })"),
    ev("bad", "function f() {\n  throw new Error('boom');\n}\nf();"),
    ev(
      "late",
      "setTimeout(() => { throw new Error('late'); }, 10); await new Promise((r) => setTimeout(r, 2000));",
    ),
    ev("syntax", "let = ;"),
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

test("worker: snippets that hold their thread leave the main thread free; each task has its own globals", async () => {
  const { byName } = await inWorkers([
    ev("busy", `${holdThread(4000)} globalThis.mine = 1;`),
    ev("other", "if (globalThis.mine !== undefined) throw new Error('shared');"),
    { name: "timer", type: "exec", arguments: "sleep 0.1" },
  ]);
  assert.equal(byName.other.status, "ok");
  assert.equal(byName.busy.status, "ok");
  // Inline, the hold would block the event loop: the exec task's end could not be seen before busy's.
  assert.ok(
    byName.timer.endMs! < byName.busy.endMs!,
    `timer ended at ${byName.timer.endMs} ms, busy at ${byName.busy.endMs} ms`,
  );
});

test("worker: two snippets that hold their threads run at the same time", async () => {
  // Each snippet says when its hold began and ended: on one thread the two spans could not overlap.
  // (Their tasks' start times cannot tell: both are started at once either way.)
  const timed = `console.log("from", Date.now()); ${holdThread(3000)} console.log("to", Date.now());`;
  const { output } = await inWorkers([ev("a", timed), ev("b", timed)]);
  const at = (task: string, mark: string) =>
    Number(output.match(new RegExp(`^${task} stdout: ${mark} (\\d+)$`, "m"))![1]);
  const overlap = Math.min(at("a", "to"), at("b", "to")) - Math.max(at("a", "from"), at("b", "from"));
  assert.ok(overlap > 1000, `they held their threads together for ${overlap} ms`);
});

test("worker (CLI): Ctrl-C stops while (true) {}, the report is written, exit 130", async () => {
  const report = join(tempDir(), "report.json");
  const file = taskFile({
    tasks: [
      ev("spin", "console.log('spinning'); while (true) {}"),
      ev("after", "", { dependencies: ["spin"] }),
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
  const result = await runCli(["--eval-isolation", "process", taskFile({ tasks: [ev("a", "")] })]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /--eval-isolation must be "inline" or "worker"/);
});
