import assert from "node:assert/strict";
import type { EventEmitter } from "node:events";
import process from "node:process";
import { test } from "node:test";

/** Every listener of the process and its standard streams, counted by event. */
function listeners(): Record<string, Record<string, number>> {
  const count = (emitter: EventEmitter) =>
    Object.fromEntries(emitter.eventNames().map((name) => [String(name), emitter.listenerCount(name)]));
  return { process: count(process), stdout: count(process.stdout), stderr: count(process.stderr) };
}

test("importing the library, the CLI and the commands' modules adds no listener to the process or its streams", async () => {
  const before = listeners();
  await import("../mod.ts");
  await import("../cli.ts");
  await import("../src/cli/common.ts");
  await import("../src/cli/process_io.ts");
  await import("../src/cli/run.ts");
  await import("../src/cli/check.ts");
  await import("../src/cli/graph.ts");
  await import("../src/cli/worker.ts");
  assert.deepEqual(listeners(), before);
});
