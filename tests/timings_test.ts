import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { type RunReport, TaskGraph } from "../mod.ts";
import { analyzeTimings, formatReport, formatTimings, type TraceEvent } from "../reporters.ts";
import { exec, readJson, runCli, taskFile, tempDir } from "./_helpers.ts";

const row = (name: string, startMs: number | null, endMs: number | null) => ({
  name,
  type: "exec",
  status: startMs === null ? "skipped" as const : "ok" as const,
  startMs,
  endMs,
  durationMs: startMs === null ? null : endMs! - startMs,
});

test("analyzeTimings: the chain that ended last, through the dependency that ended last; slack", () => {
  // a (0-100) and b (0-300) feed c (300-400); d (0-50) alone; e never ran.
  const graph = TaskGraph.from([
    exec("a", ""),
    exec("b", ""),
    exec("c", "", "a", "b"),
    exec("d", ""),
    exec("e", "", "c"),
  ]);
  const report: RunReport = {
    ok: true,
    interrupted: false,
    durationMs: 410,
    tasks: [row("a", 0, 100), row("b", 0, 300), row("c", 300, 400), row("d", 0, 50), row("e", null, null)],
  };
  const timings = analyzeTimings(graph, report);
  assert.equal(timings.endMs, 400);
  assert.deepEqual(timings.path.map((s) => [s.name, s.durationMs, s.waitMs]), [["b", 300, 0], ["c", 100, 0]]);
  assert.deepEqual(Object.fromEntries(timings.tasks.map((x) => [x.name, x.slackMs])), {
    a: 200,
    b: 0,
    c: 0,
    d: 350,
  });
});

test("the report ends with the critical path as it happened; --timings adds each task's slack", async () => {
  const reportPath = join(tempDir(), "report.json");
  const sleep = (name: string, seconds: number, ...dependencies: string[]) => ({
    name,
    type: "exec",
    arguments: `sleep ${seconds}`,
    dependencies,
  });
  // long (1 s) and short (0.2 s) feed last (0.5 s); side (0.1 s) and after (0.1 s) are a branch apart.
  // On a loaded machine a task may start some ms after it could, long included: the path then says so.
  const tasks = [
    sleep("long", 1),
    sleep("short", 0.2),
    sleep("last", 0.5, "long", "short"),
    sleep("side", 0.1),
  ];
  tasks.push(sleep("after", 0.1, "side"));
  const result = await runCli([taskFile({ tasks }), "--timings", "--report-json", reportPath]);
  assert.equal(result.code, 0, result.stderr);
  const tail = result.stdout.slice(result.stdout.indexOf("\nCritical path:"));
  const m = tail.match(
    /^\nCritical path: 2 tasks, (\S+ s) of work bounded the (\S+ s) run\n {2}long +1\.\d\d s( {2}\(started \d+ ms after it could\))?\n {2}last +\d+ ms( {2}\(started \d+ ms after it could\))?\n/,
  );
  assert.ok(m, tail);
  const report = readJson(reportPath);
  const end = Math.max(...report.tasks.filter((x) => x.endMs !== null).map((x) => x.endMs!));
  assert.equal(m[2], `${(end / 1000).toFixed(2)} s`);
  assert.match(tail, /\nTimings \(slack: .*\):\n {2}task +start +duration +slack\n/);
  const slack = Object.fromEntries(
    [...tail.matchAll(/^ {2}(\w+) +\S+ m?s +\S+ m?s +(\S+) (m?s)/gm)].map((x) => [
      x[1],
      Number(x[2]) * (x[3] === "s" ? 1000 : 1),
    ]),
  );
  assert.deepEqual(Object.keys(slack), ["long", "short", "last", "side", "after"]);
  // Each slack as the report's times give it (how long each took depends on the machine's load):
  // long and short could have ended when last started; side when after would have had to start to
  // end with the run; after and last with the run. Printed to 10 ms at most.
  const t = Object.fromEntries(report.tasks.map((x) => [x.name, x]));
  const expected = {
    long: t.last.startMs! - t.long.endMs!,
    short: t.last.startMs! - t.short.endMs!,
    last: end - t.last.endMs!,
    side: end - t.after.durationMs! - t.side.endMs!,
    after: end - t.after.endMs!,
  };
  for (const [name, ms] of Object.entries(expected)) {
    assert.ok(Math.abs(slack[name] - Math.max(0, ms)) <= 10, `${name}: slack ${slack[name]}, expected ${ms}`);
  }
  // short (0.2 s) waited for long (1 s), which had no slack worth the name.
  assert.ok(slack.short > slack.long + 500, JSON.stringify(slack));
  assert.match(tail, /^ {2}long .* critical path$/m);
  assert.doesNotMatch(tail, /^ {2}short .* critical path$/m);
});

test("no critical path for a run of one task", async () => {
  const result = await runCli([taskFile({ tasks: [exec("only", "")] })]);
  assert.equal(result.code, 0);
  assert.doesNotMatch(result.stdout, /Critical path/);
});

test("--trace: a valid Chrome trace, one complete event per executed task, matching the report", async () => {
  const dir = tempDir();
  const tracePath = join(dir, "trace.json");
  const reportPath = join(dir, "report.json");
  const tasks = [
    { name: "a", type: "exec", arguments: "sleep 0.3" },
    { name: "b", type: "exec", arguments: "sleep 0.3" },
    { name: "c", type: "exec", arguments: "exit 3", dependencies: ["a"] },
    {
      name: "d",
      type: "eval",
      arguments: "await new Promise((r) => setTimeout(r, 100))",
      dependencies: ["a", "b"],
    },
    { name: "e", type: "exec", arguments: "true", dependencies: ["c"] },
  ];
  const result = await runCli([taskFile({ tasks }), "--trace", tracePath, "--report-json", reportPath]);
  assert.equal(result.code, 1);
  const trace = readJson<{ traceEvents: (TraceEvent | { ph: "M"; tid: number; name: string })[] }>(tracePath);
  const report = readJson(reportPath);
  const complete = trace.traceEvents.filter((e): e is TraceEvent => e.ph === "X");
  const ran = report.tasks.filter((x) => x.startMs !== null);
  assert.deepEqual(complete.map((e) => e.name).sort(), ran.map((x) => x.name).sort());
  for (const e of complete) {
    const r = ran.find((x) => x.name === e.name)!;
    assert.equal(e.ts, Math.round(r.startMs! * 1000));
    assert.equal(e.dur, Math.round(r.durationMs! * 1000));
    assert.equal(e.args.status, r.status);
    assert.equal(e.args.exitCode, r.exitCode);
    assert.equal(e.cat, r.type);
    assert.ok(Number.isInteger(e.ts) && Number.isInteger(e.dur) && e.pid === 1 && e.tid >= 1);
  }
  assert.equal(complete.find((e) => e.name === "c")!.args.exitCode, 3);
  // a and b ran at once, so on two slots; no two events on one slot overlap.
  const slot = (name: string) => complete.find((e) => e.name === name)!.tid;
  assert.notEqual(slot("a"), slot("b"));
  for (const x of complete) {
    for (const y of complete) {
      if (x !== y && x.tid === y.tid) {
        assert.ok(x.ts + x.dur <= y.ts || y.ts + y.dur <= x.ts, `${x.name}/${y.name}`);
      }
    }
  }
  assert.ok(Math.max(...complete.map((e) => e.tid)) <= 2, "slots are reused");
  const threadNames = trace.traceEvents.filter((e) => e.ph === "M" && e.name === "thread_name");
  assert.equal(threadNames.length, Math.max(...complete.map((e) => e.tid)));
});

test("--trace: a retried task has an event per attempt, on the slot it keeps", async () => {
  const dir = tempDir();
  const tracePath = join(dir, "trace.json");
  const marker = join(dir, "tried");
  const tasks = [{
    name: "flaky",
    type: "exec",
    arguments: `if [ -f ${marker} ]; then echo second; else touch ${marker}; echo first; exit 1; fi`,
    retries: 2,
    retryDelay: 0.2,
  }, { name: "other", type: "exec", arguments: "sleep 0.1" }];
  const result = await runCli([taskFile({ tasks }), "--trace", tracePath]);
  assert.equal(result.code, 0, result.stdout);
  const events = readJson<{ traceEvents: TraceEvent[] }>(tracePath).traceEvents.filter((e) =>
    e.ph === "X" && e.name === "flaky"
  );
  assert.deepEqual(events.map((e) => [e.args.status, e.args.attempt]), [["failed", 1], ["ok", 2]]);
  assert.equal(events[0].tid, events[1].tid);
  assert.ok(
    events[1].ts >= events[0].ts + events[0].dur + 150_000,
    "the second attempt starts after the delay",
  );
});

test("a chain of 300 000 tasks: the report and the critical path are printed, the path cut to its ends", () => {
  const n = 300_000;
  const graph = TaskGraph.from(
    Array.from({ length: n }, (_, i) => exec(`t${i}`, "", ...(i ? [`t${i - 1}`] : []))),
  );
  const report: RunReport = {
    ok: true,
    interrupted: false,
    durationMs: n,
    tasks: Array.from({ length: n }, (_, i) => row(`t${i}`, i, i + 1)),
  };
  assert.match(formatReport(report), /300000 tasks: 300000 ok/);
  const text = formatTimings(analyzeTimings(graph, report));
  assert.match(text, /^\nCritical path: 300000 tasks, 300\.00 s of work bounded the 300\.00 s run\n {2}t0 /);
  assert.match(text, /\n {2}… 299980 more tasks, 299\.98 s\n {2}t299990 /);
  assert.equal(text.split("\n").length, 2 + 21 + 1);
});
