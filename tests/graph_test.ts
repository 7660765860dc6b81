import assert from "node:assert/strict";
import { test } from "node:test";
import { TaskGraph } from "../mod.ts";
import { ReadyQueue } from "../src/ready_queue.ts";
import type { Task } from "../src/task.ts";

const t = (name: string, ...dependencies: string[]): Task => ({
  name,
  type: "exec",
  arguments: "",
  dependencies,
});

test("edges both ways, duplicates in a dependency list counted once", () => {
  const g = TaskGraph.from([t("a"), t("b", "a", "a"), t("c", "a", "b")]);
  assert.equal(g.edgeCount, 3);
  assert.deepEqual([...g.dependenciesOf(1)], [0]);
  assert.deepEqual([...g.dependentsOf(0)], [1, 2]);
  assert.deepEqual([...g.order], [0, 1, 2]);
});

test("remaining critical path: by depth, or weighted", () => {
  // a -> b -> d, a -> c -> d ; c is heavy
  const g = TaskGraph.from([t("a"), t("b", "a"), t("c", "a"), t("d", "b", "c")]);
  assert.deepEqual([...g.remainingPath()], [3, 2, 2, 1]);
  const w = [1, 1, 10, 1];
  assert.deepEqual([...g.remainingPath((i) => w[i])], [12, 2, 11, 1]);
});

test("TaskGraph.from throws a TaskFileError for a cycle; analyze returns the problems", () => {
  assert.throws(() => TaskGraph.from([t("a", "b"), t("b", "a")]), /cycle of 2 tasks: a -> b -> a/);
  const { graph, problems } = TaskGraph.analyze([t("a", "b"), t("b", "a"), t("c", "a")]);
  assert.equal(graph, undefined);
  assert.equal(problems.length, 1, "the task behind the cycle is not a cycle of its own");
});

test("a long chain (100 000 tasks) is analysed without deep recursion", () => {
  const n = 100_000;
  const tasks = Array.from({ length: n }, (_, i) => (i ? t(`t${i}`, `t${i - 1}`) : t("t0")));
  tasks[0].dependencies = [`t${n - 1}`];
  const { problems } = TaskGraph.analyze(tasks);
  assert.equal(problems.length, 1);
  assert.match(
    problems[0].message,
    /^cycle of 100000 tasks: t0 -> t99999 -> t99998 -> .* -> … 99991 more … -> t1 -> t0 \(/,
  );
});

test("a long cycle's message gives its length and both ends, short enough to print whole", () => {
  const n = 1000;
  const { problems } = TaskGraph.analyze(Array.from({ length: n }, (_, i) => t(`c${i}`, `c${(i + 1) % n}`)));
  assert.equal(
    problems[0].message,
    'cycle of 1000 tasks: c0 -> c1 -> c2 -> c3 -> c4 -> c5 -> c6 -> c7 -> … 991 more … -> c999 -> c0 (-> means "depends on")',
  );
});

test("100 000 unknown dependencies: every one reported, suggestions only for those a message prints", () => {
  const n = 100_000;
  // Each names a misspelt next task (u1 for t1), so every printed problem has a suggestion.
  const tasks = Array.from({ length: n }, (_, i) => t(`t${i}`, `u${(i + 1) % n}`));
  const t0 = performance.now();
  const { problems } = TaskGraph.analyze(tasks);
  const ms = performance.now() - t0;
  assert.equal(problems.length, n);
  assert.equal(problems[0].hint, 'did you mean "t1"?');
  assert.equal(problems.filter((p) => p.hint?.startsWith("did you mean")).length, 15);
  // One suggestion per problem scanned every name: minutes here. Generous, not a benchmark.
  assert.ok(ms < 20_000, `${ms} ms`);
});

test("an unknown dependency is never answered with the task's own name", () => {
  const [alone] = TaskGraph.analyze([t("a", "b")]).problems;
  assert.equal(alone.hint, "name a task defined in this file, or remove the dependency");
  const [other] = TaskGraph.analyze([t("a", "b"), t("c")]).problems;
  assert.equal(other.hint, 'did you mean "c"?');
});

test("ready queue: highest priority first, file order among equals", () => {
  const q = new ReadyQueue([5, 1, 5, 9, 1, 5]);
  for (const i of [4, 2, 1, 0, 5, 3]) q.push(i);
  const out = [];
  while (q.size) out.push(q.pop());
  assert.deepEqual(out, [3, 0, 2, 5, 1, 4]);
  assert.equal(q.pop(), undefined);
});

test("a cycle through 300 000 tasks, and 100 000 separate cycles, are reported without overflowing the stack", () => {
  const n = 300_000;
  const ring = Array.from({ length: n }, (_, i) => t(`r${i}`, `r${(i + 1) % n}`));
  const one = TaskGraph.analyze(ring).problems;
  assert.equal(one.length, 1);
  assert.match(one[0].message, /^cycle of 300000 tasks: r0 -> r1 -> r2 -> /);
  const pairs = Array.from({ length: 200_000 }, (_, i) => t(`p${i}`, `p${i ^ 1}`));
  assert.equal(TaskGraph.analyze(pairs).problems.length, 100_000);
});
