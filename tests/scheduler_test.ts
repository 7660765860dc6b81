import assert from "node:assert/strict";
import { test } from "node:test";
import { type Executor, type ExecutorContext, type Outcome, run, type RunEvent, type Task } from "../mod.ts";

/** A fake task type: `arguments` is "ms" (sleep) or "ms!" (sleep, then fail). */
const fake: Executor = (task, ctx) =>
  new Promise((resolve) => {
    const ms = parseInt(task.arguments);
    const timer = setTimeout(() => resolve({ ok: !task.arguments.endsWith("!") }), ms);
    ctx.signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve({ ok: false, error: "interrupted" });
    });
  });

const t = (name: string, ms: number | string, ...dependencies: string[]): Task => ({
  name,
  type: "fake",
  arguments: String(ms),
  dependencies,
});

async function record(tasks: Task[], options: Parameters<typeof run>[1] = {}) {
  const events: RunEvent[] = [];
  const report = await run(tasks, { executors: { fake }, ...options, onEvent: (e) => events.push(e) });
  return { report, events, names: events.map((e) => `${e.type} ${"task" in e ? e.task.name : ""}`) };
}

test("a dependent starts in the same tick as its last dependency ends", async () => {
  let ticks = 0;
  const tick: Executor = async () => {
    await Promise.resolve();
    ticks++;
    return { ok: true };
  };
  const events: [string, string, number][] = [];
  await run([{ name: "a", type: "tick", arguments: "" }, {
    name: "b",
    type: "tick",
    arguments: "",
    dependencies: ["a"],
  }], {
    executors: { tick },
    onEvent: (e) => "task" in e && events.push([e.type, e.task.name, ticks]),
  });
  assert.deepEqual(events, [["started", "a", 0], ["ended", "a", 1], ["started", "b", 1], ["ended", "b", 2]]);
});

test("independent branches run at once; a dependent waits only for its own dependencies", async () => {
  const { report } = await record([
    t("slow", 300),
    t("fast", 20),
    t("after-fast", 20, "fast"),
    t("after-both", 10, "slow", "after-fast"),
  ]);
  const r = Object.fromEntries(report.tasks.map((x) => [x.name, x]));
  assert.ok(r["after-fast"].startMs! >= r.fast.endMs!);
  assert.ok(r["after-fast"].endMs! < r.slow.endMs!, "did not wait for the slow branch");
  assert.ok(r["after-both"].startMs! >= r.slow.endMs!);
  assert.ok(r["after-both"].startMs! - r.slow.endMs! < 50);
  assert.equal(report.ok, true);
});

test("a failure skips its dependents transitively at once, with the reason; other branches go on", async () => {
  const { report, names } = await record([
    t("bad", "10!"),
    t("child", 10, "bad"),
    t("grandchild", 10, "child"),
    t("other", 100),
    t("after-other", 10, "other"),
  ]);
  const r = Object.fromEntries(report.tasks.map((x) => [x.name, x]));
  assert.equal(r.bad.status, "failed");
  assert.equal(r.child.status, "skipped");
  assert.equal(r.child.reason, "dependency bad failed");
  assert.equal(r.grandchild.reason, "dependency child skipped (bad failed)");
  assert.equal(r["after-other"].status, "ok");
  // skipped at once: before the other branch ends
  assert.ok(names.indexOf("skipped grandchild") < names.indexOf("ended other"));
  assert.equal(names.filter((n) => n.startsWith("started")).length, 3, "skipped tasks never start");
  assert.equal(report.ok, false);
});

test("every task gets exactly one final status", async () => {
  const tasks = Array.from(
    { length: 200 },
    (_, i) => t(`t${i}`, `${i % 7}${i % 13 === 0 ? "!" : ""}`, ...(i ? [`t${Math.floor(i / 2)}`] : [])),
  );
  const { report, events } = await record(tasks, { concurrency: 8 });
  const finals = new Map<string, number>();
  for (const e of events) {
    if (e.type === "ended" || e.type === "skipped") {
      finals.set(e.task.name, (finals.get(e.task.name) ?? 0) + 1);
    }
  }
  assert.equal(finals.size, 200);
  assert.ok([...finals.values()].every((n) => n === 1));
  assert.equal(report.tasks.length, 200);
});

test("concurrency: never more than N running, and critical path first", async () => {
  let running = 0;
  let most = 0;
  const order: string[] = [];
  const counted: Executor = async (task) => {
    order.push(task.name);
    most = Math.max(most, ++running);
    await new Promise((r) => setTimeout(r, 10));
    running--;
    return { ok: true };
  };
  const c = (name: string, ...deps: string[]): Task => ({
    name,
    type: "c",
    arguments: "",
    dependencies: deps,
  });
  // "short" comes first in the file, but "long1" heads the longer chain.
  await run([c("short"), c("long1"), c("long2", "long1"), c("long3", "long2"), c("x"), c("y"), c("z")], {
    executors: { c: counted },
    concurrency: 2,
  });
  assert.equal(most, 2);
  assert.deepEqual(order.slice(0, 2), ["long1", "short"]);
  assert.equal(order.length, 7);
});

test("with one slot, ready tasks start in critical-path order, file order breaking ties", async () => {
  const order: string[] = [];
  const log: Executor = (task) => (order.push(task.name), Promise.resolve({ ok: true }));
  const c = (name: string, ...deps: string[]): Task => ({
    name,
    type: "log",
    arguments: "",
    dependencies: deps,
  });
  await run([c("a"), c("b"), c("c"), c("b2", "b"), c("b3", "b2")], { executors: { log }, concurrency: 1 });
  // b3 ties with a and c (each has 1 to go), so file order decides.
  assert.deepEqual(order, ["b", "b2", "a", "c", "b3"]);
});

test("abort: running tasks fail as interrupted, unstarted ones are skipped, nothing new starts", async () => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 50);
  const { report, names } = await record([t("running", 5000), t("waiting", 10, "running"), t("done", 1)], {
    signal: controller.signal,
  });
  const r = Object.fromEntries(report.tasks.map((x) => [x.name, x]));
  assert.equal(report.interrupted, true);
  assert.equal(report.ok, false);
  assert.equal(r.running.status, "failed");
  assert.equal(r.running.error, "interrupted");
  assert.equal(r.running.stopped, "interrupted");
  assert.equal(r.waiting.status, "skipped");
  assert.equal(r.waiting.reason, "interrupted");
  assert.equal(r.done.status, "ok");
  assert.ok(!names.includes("started waiting"));
  assert.ok(report.durationMs < 2000);
});

test("an already aborted signal runs nothing", async () => {
  const { report, names } = await record([t("a", 10)], { signal: AbortSignal.abort() });
  assert.equal(report.tasks[0].status, "skipped");
  assert.ok(!names.some((n) => n.startsWith("started")));
});

test("an executor that throws or rejects fails its task with the message", async () => {
  const sync: Executor = () => {
    throw new Error("sync boom");
  };
  const reject: Executor = () => Promise.reject(new Error("async boom"));
  const report = await run([{ name: "s", type: "sync", arguments: "" }, {
    name: "r",
    type: "reject",
    arguments: "",
  }], {
    executors: { sync, reject },
  });
  assert.deepEqual(report.tasks.map((x) => [x.status, x.error]), [["failed", "sync boom"], [
    "failed",
    "async boom",
  ]]);
});

test("an unknown task type is refused before anything runs", () => {
  assert.throws(() => run([{ name: "a", type: "nope", arguments: "" }]), /unknown task type "nope"/);
});

test("a listener that throws stops the run, which then rejects with its error", async () => {
  await assert.rejects(
    run([t("a", 10), t("b", 10, "a")], {
      executors: { fake },
      onEvent: (e) => {
        if (e.type === "ended") throw new Error("listener broke");
      },
    }),
    /listener broke/,
  );
});

test("an empty task list finishes at once, ok", async () => {
  const report = await run([]);
  assert.deepEqual([report.ok, report.tasks.length], [true, 0]);
});

test("an executor that starts tasks later: Started and the timeout count from ctx.started(); queuedMs and worker in the report", async () => {
  const events: string[] = [];
  const queued: Executor = Object.assign(
    (_task: Task, ctx: ExecutorContext) =>
      new Promise<Outcome>((resolve) => {
        setTimeout(() => {
          ctx.started({ worker: "w1:1" });
          ctx.started({ worker: "w2:2" });
          ctx.onStop(() => resolve({ ok: false, error: "interrupted", signal: "SIGTERM" }));
        }, 300);
      }),
    { startsLater: true },
  );
  const report = await run([{ name: "q", type: "remote", arguments: "", timeout: 0.2 }], {
    executors: { remote: queued },
    onEvent: (e) => events.push(e.type),
  });
  const [q] = report.tasks;
  assert.deepEqual(events, ["started", "ended"]);
  assert.equal(q.error, "timed out after 0.2 s");
  assert.ok(q.queuedMs! >= 250, `queuedMs ${q.queuedMs}`);
  assert.ok(q.startMs! >= 250, `startMs ${q.startMs}: the task started when the executor said so`);
  assert.ok(q.durationMs! >= 150 && q.durationMs! < 1000, `durationMs ${q.durationMs}`);
  assert.equal(q.worker, "w2:2");
});

test("an executor that starts tasks later: a task stopped while still queued is skipped, not failed", async () => {
  const stop = new AbortController();
  const queued: Executor = Object.assign(
    (_task: Task, ctx: ExecutorContext) =>
      new Promise<Outcome>((resolve) => ctx.onStop(() => resolve({ ok: false, error: "interrupted" }))),
    { startsLater: true },
  );
  const events: string[] = [];
  setTimeout(() => stop.abort(), 100);
  const report = await run([{ name: "q", type: "remote", arguments: "" }], {
    executors: { remote: queued },
    signal: stop.signal,
    onEvent: (e) => events.push(e.type),
  });
  assert.deepEqual(events, ["skipped"]);
  assert.equal(report.tasks[0].status, "skipped");
  assert.equal(report.tasks[0].reason, "interrupted");
  assert.equal(report.interrupted, true);
});
