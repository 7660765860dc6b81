import assert from "node:assert/strict";
import { test } from "node:test";
import { Attempt } from "../src/attempt.ts";

function attempt(options: { ownSignal?: boolean; stopped?: boolean; killed?: boolean } = {}) {
  const stop = new AbortController();
  const kill = new AbortController();
  if (options.stopped) stop.abort();
  if (options.killed) kill.abort();
  const ctx = new Attempt({
    stopSignal: stop.signal,
    killSignal: kill.signal,
    ownSignal: options.ownSignal ?? false,
    graceMs: 100,
    cwd: undefined,
    output: () => {},
    defer: () => {},
  });
  return { ctx, stop, kill };
}

test("stop calls each stop listener once, in order; a removed one is not called", () => {
  const { ctx } = attempt();
  const calls: string[] = [];
  ctx.onStop(() => calls.push("a"));
  const offB = ctx.onStop(() => calls.push("b"));
  ctx.onStop(() => calls.push("c"));
  ctx.onKill(() => calls.push("kill"));
  offB();
  ctx.stop();
  ctx.stop();
  assert.deepEqual(calls, ["a", "c"]);
  ctx.kill();
  ctx.kill();
  assert.deepEqual(calls, ["a", "c", "kill"]);
});

test("a listener added after the stop (or on an attempt of a stopped run) is called at once", () => {
  const late = attempt();
  late.ctx.stop();
  let called = 0;
  late.ctx.onStop(() => called++);
  assert.equal(called, 1);

  const { ctx } = attempt({ stopped: true, killed: true });
  const calls: string[] = [];
  ctx.onStop(() => calls.push("stop"));
  ctx.onKill(() => calls.push("kill"));
  assert.deepEqual(calls, ["stop", "kill"]);
});

test("without a timeout the attempt shares the run's signal; with one it has its own, aborted on stop", () => {
  const shared = attempt();
  assert.equal(shared.ctx.signal, shared.stop.signal);

  const own = attempt({ ownSignal: true });
  assert.notEqual(own.ctx.signal, own.stop.signal);
  own.ctx.stop();
  assert.equal(own.ctx.signal.aborted, true, "its own signal is aborted by stop (a timeout)");
  assert.equal(own.stop.signal.aborted, false, "the run's is not");
});
