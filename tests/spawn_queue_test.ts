/** The spawn queue under push-back, with a stand-in spawner that the system "refuses". */
import assert from "node:assert/strict";
import { test } from "node:test";
import { chooseSpawn, spawnShell } from "../src/spawn/mod.ts";
import { SpawnQueue } from "../src/spawn/queue.ts";
import { shellExecutor } from "../src/executors/exec.ts";
import { run } from "../mod.ts";
import type { ShellOptions } from "../src/spawn/types.ts";

// The path DAGRUN_SPAWN picks (the FFI one or the default), as a run would.
await chooseSpawn();

const quiet: ShellOptions = { onStdout: () => {}, onStderr: () => {} };

/** A spawner refused `refusals` times (as Deno does: by throwing), then the real one. */
function refusing(refusals: number, code = "EMFILE"): { spawn: typeof spawnShell; calls: () => number } {
  let calls = 0;
  return {
    spawn: (command, options) => {
      if (calls++ < refusals) throw Object.assign(new Error(`refused (${code})`), { code });
      return spawnShell(command, options);
    },
    calls: () => calls,
  };
}

test("a refused spawn is tried again until the system lets it start", async () => {
  const { spawn, calls } = refusing(3, "EAGAIN");
  const proc = await new SpawnQueue({ spawn }).start("exit 7", quiet, new AbortController().signal);
  assert.ok(proc);
  assert.equal((await proc.exit).code, 7);
  assert.equal(calls(), 4);
});

test("refused while none of dagrun's processes runs: the start fails after the give-up time, not never", async () => {
  const { spawn } = refusing(Infinity);
  const started = Date.now();
  await assert.rejects(
    new SpawnQueue({ spawn, giveUpMs: 300 }).start("true", quiet, new AbortController().signal),
    /refused \(EMFILE\)/,
  );
  const took = Date.now() - started;
  assert.ok(took >= 300 && took < 10_000, `gave up after ${took} ms`);
});

test("a start waiting for room gives up at once when its task is stopped", async () => {
  const { spawn } = refusing(Infinity);
  const stop = new AbortController();
  setTimeout(() => stop.abort(), 100);
  assert.equal(
    await new SpawnQueue({ spawn, giveUpMs: 60_000 }).start("true", quiet, stop.signal),
    undefined,
  );
});

test("an error that is not push-back fails the start at once", async () => {
  const { spawn, calls } = refusing(1, "ENOENT");
  await assert.rejects(
    new SpawnQueue({ spawn }).start("true", quiet, new AbortController().signal),
    /ENOENT/,
  );
  assert.equal(calls(), 1);
});

test("the cap learnt from a refusal is the run's: the next run starts as many processes as it has tasks", async () => {
  // Refuses a fifth process at once while `refuse` is set, as a system out of file descriptors would.
  let live = 0;
  let most = 0;
  let refuse = true;
  const spawn: typeof spawnShell = (command, options) => {
    if (refuse && live >= 4) throw Object.assign(new Error("refused (EMFILE)"), { code: "EMFILE" });
    const proc = spawnShell(command, options);
    most = Math.max(most, ++live);
    proc.exit.finally(() => live--);
    return proc;
  };
  const exec = shellExecutor({ spawn });
  const tasks = Array.from(
    { length: 8 },
    (_, i) => ({ name: `t${i}`, type: "exec", arguments: "sleep 1" }),
  );
  const first = await run(tasks, { executors: { exec } });
  assert.ok(first.ok);
  assert.equal(most, 4);
  refuse = false;
  most = 0;
  const second = await run(tasks, { executors: { exec } });
  assert.ok(second.ok);
  // With the first run's cap (3) the second would run its tasks three at a time.
  assert.equal(most, 8);
});

test("a refusal that arrives a tick later (as on Node) sets the cap from the processes running, not the starts under way", async () => {
  // Node reports a refused spawn as an error event on the next tick, after every start of the
  // burst is under way; a cap counted from those was no cap, and Node leaks each refused spawn's
  // pipes: 2000 tasks under `ulimit -n 256` hung.
  let live = 0;
  let most = 0;
  // The processes' exits are held until the first refusal has been taken (a macrotask after it):
  // on a loaded machine a `sleep` could otherwise end first, and the cap would count fewer.
  let taken!: () => void;
  const firstRefusalTaken = new Promise<void>((resolve) => taken = resolve);
  const spawn: typeof spawnShell = (command, options) => {
    if (live >= 4) {
      const refused = Object.assign(new Error("refused (EMFILE)"), { code: "EMFILE" });
      return {
        pid: 0,
        exit: new Promise((_, reject) =>
          setTimeout(() => {
            reject(refused);
            setTimeout(taken, 0);
          }, 0)
        ),
        closed: Promise.resolve(),
        kill: () => {},
        stopReading: () => {},
      };
    }
    const proc = spawnShell(command, options);
    most = Math.max(most, ++live);
    const exit = proc.exit.then(async (e) => (await firstRefusalTaken, e));
    exit.finally(() => live--);
    return { ...proc, exit, kill: (s) => proc.kill(s), stopReading: () => proc.stopReading() };
  };
  const queue = new SpawnQueue({ spawn });
  const never = new AbortController().signal;
  const procs = await Promise.all(Array.from({ length: 20 }, () => queue.start("sleep 0.2", quiet, never)));
  const codes = await Promise.all(procs.map((p) => p!.exit.then((e) => e.code)));
  assert.deepEqual(codes, Array(20).fill(0));
  assert.equal(most, 4);
  assert.equal(queue.cap, 3);
});
