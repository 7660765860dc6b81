import assert from "node:assert/strict";
import { test } from "node:test";
import { OutputBudget } from "../src/output/budget.ts";

test("the budget closes every gate but the exempt one's once spent, and opens them at half", () => {
  const budget = new OutputBudget(100);
  const [a, b] = [{}, {}];
  let closed = 0;
  budget.gate(a).onClose(() => closed++);
  budget.add(100);
  assert.equal(closed, 1);
  budget.exempt(a);
  assert.equal(budget.gate(a).wait(), undefined);
  const waiting = budget.gate(b).wait();
  assert.ok(waiting instanceof Promise);
  budget.remove(50);
  assert.equal(budget.spent, false);
  assert.equal(budget.gate(b).wait(), undefined);
});

test("waitFor: while the output is behind, every gate waits, the exempt one's too, and closes at once", async () => {
  const budget = new OutputBudget(100);
  const [a, b] = [{}, {}];
  let closed = 0;
  budget.gate(b).onClose(() => closed++);
  budget.exempt(a);
  let caughtUp!: () => void;
  budget.waitFor(new Promise<void>((resolve) => (caughtUp = resolve)));
  assert.equal(closed, 1, "the spawners are told at once, before their next read");
  const waits = [budget.gate(a).wait(), budget.gate(b).wait()];
  assert.ok(waits.every((w) => w instanceof Promise));
  budget.waitFor(new Promise(() => {}));
  assert.equal(closed, 1, "already behind: nothing new");
  let resumed = 0;
  for (const w of waits) w!.then(() => resumed++);
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(resumed, 0);
  caughtUp();
  await Promise.all(waits);
  assert.equal(resumed, 2);
  assert.equal(budget.gate(b).wait(), undefined, "caught up: the gates are open");
});
