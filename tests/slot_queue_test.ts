/** The slot queue: first come, first served; stopped waits leave; a retake goes first. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { SlotQueue } from "../src/slot_queue.ts";

/** The waits that have settled and what they gave, in the order they are listed. */
async function settledOrder(waits: Record<string, Promise<boolean>>): Promise<string[]> {
  const order: string[] = [];
  for (const [name, wait] of Object.entries(waits)) void wait.then((taken) => order.push(`${name}:${taken}`));
  await new Promise((resolve) => setTimeout(resolve, 0));
  return order;
}

test("slots are taken at once while free, then in the order the takers came", async () => {
  const slots = new SlotQueue(2);
  assert.equal(await slots.take(), true);
  assert.equal(await slots.take(), true);
  const waits = { a: slots.take(), b: slots.take(), c: slots.take() };
  assert.equal(slots.waiting, 3);
  assert.deepEqual(await settledOrder(waits), []);
  slots.release();
  slots.release();
  assert.deepEqual(await settledOrder(waits), ["a:true", "b:true"]);
  assert.equal(slots.used, 2);
  slots.release();
  assert.deepEqual(await settledOrder(waits), ["a:true", "b:true", "c:true"]);
  assert.equal(slots.waiting, 0);
});

test("a free slot does not let a newcomer overtake those who wait", async () => {
  const slots = new SlotQueue(1);
  await slots.take();
  const first = slots.take();
  slots.limit = 0; // nothing fits: the one slot given back stays free
  slots.release();
  slots.limit = 1;
  const newcomer = slots.take();
  assert.equal(slots.waiting, 2);
  slots.wake();
  assert.deepEqual(await settledOrder({ first, newcomer }), ["first:true"]);
});

test("a stopped wait ends without a slot and leaves the queue; an aborted signal takes nothing", async () => {
  const slots = new SlotQueue(1);
  await slots.take();
  const stop = new AbortController();
  const stopped = slots.take(stop.signal);
  const next = slots.take();
  stop.abort();
  assert.equal(await stopped, false);
  assert.equal(slots.waiting, 1);
  slots.release();
  assert.equal(await next, true);
  assert.equal(await slots.take(stop.signal), false);
  assert.equal(slots.used, 1);
});

test("a wait is stopped through onStop when given, not through the signal", async () => {
  const slots = new SlotQueue(1);
  await slots.take();
  let stopIt = () => {};
  let listening = 0;
  const wait = slots.take(new AbortController().signal, (listener) => {
    listening++;
    stopIt = listener;
    return () => void listening--;
  });
  assert.equal(listening, 1);
  stopIt();
  assert.equal(await wait, false);
  assert.equal(slots.waiting, 0);
});

test("a retake gives the slot back and waits first in line for the next wake or release", async () => {
  const slots = new SlotQueue(2);
  await slots.take();
  await slots.take();
  const other = slots.take();
  const again = slots.retake();
  assert.equal(slots.used, 1);
  assert.deepEqual(await settledOrder({ again, other }), []);
  slots.wake();
  assert.deepEqual(await settledOrder({ again, other }), ["again:true"]);
  slots.release();
  assert.equal(await other, true);
});

test("a lowered limit holds takers back until enough slots are given back", async () => {
  const slots = new SlotQueue();
  for (let i = 0; i < 4; i++) assert.equal(await slots.take(), true);
  slots.limit = 2;
  const wait = slots.take();
  slots.release();
  slots.release();
  assert.deepEqual(await settledOrder({ wait }), []);
  slots.release();
  assert.equal(await wait, true);
  assert.equal(slots.used, 2);
});
