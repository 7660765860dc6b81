/** The spawn queue under push-back, with a stand-in spawner that the system "refuses". */
import assert from "node:assert/strict";
import { test } from "node:test";
import { chooseSpawn, spawnShell } from "../src/spawn/mod.ts";
import { startShell } from "../src/spawn/queue.ts";
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
  const proc = await startShell("exit 7", quiet, new AbortController().signal, { spawn });
  assert.ok(proc);
  assert.equal((await proc.exit).code, 7);
  assert.equal(calls(), 4);
});

test("refused while none of dagrun's processes runs: the start fails after the give-up time, not never", async () => {
  const { spawn } = refusing(Infinity);
  const started = Date.now();
  await assert.rejects(
    startShell("true", quiet, new AbortController().signal, { spawn, giveUpMs: 300 }),
    /refused \(EMFILE\)/,
  );
  const took = Date.now() - started;
  assert.ok(took >= 300 && took < 10_000, `gave up after ${took} ms`);
});

test("a start waiting for room gives up at once when its task is stopped", async () => {
  const { spawn } = refusing(Infinity);
  const stop = new AbortController();
  setTimeout(() => stop.abort(), 100);
  assert.equal(await startShell("true", quiet, stop.signal, { spawn, giveUpMs: 60_000 }), undefined);
});

test("an error that is not push-back fails the start at once", async () => {
  const { spawn, calls } = refusing(1, "ENOENT");
  await assert.rejects(startShell("true", quiet, new AbortController().signal, { spawn }), /ENOENT/);
  assert.equal(calls(), 1);
});
