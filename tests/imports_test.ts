import assert from "node:assert/strict";
import type { EventEmitter } from "node:events";
import { readdirSync } from "node:fs";
import process from "node:process";
import { test } from "node:test";
import { isDeno } from "./_helpers.ts";

/** Every listener of the process and its standard streams, counted by event. */
function listeners(): Record<string, Record<string, number>> {
  const count = (emitter: EventEmitter) =>
    Object.fromEntries(emitter.eventNames().map((name) => [String(name), emitter.listenerCount(name)]));
  return { process: count(process), stdout: count(process.stdout), stderr: count(process.stderr) };
}

/** The entry points and every module of the command line: `.ts` here, `.js` in the Node build. */
function modules(): string[] {
  const ext = isDeno ? ".ts" : ".js";
  const commands = new URL("../src/cli/", import.meta.url);
  return [
    ...["mod", "cli", "reporters"].map((name) => new URL(`../${name}${ext}`, import.meta.url).href),
    ...readdirSync(commands).filter((f) => f.endsWith(ext) && !f.endsWith(".d.ts")).map((f) =>
      new URL(f, commands).href
    ),
  ];
}

test("importing the entry points and the command line's modules adds no listener to the process or its streams", async () => {
  const before = listeners();
  const imported = modules();
  for (const module of imported) await import(module);
  assert.ok(imported.some((m) => m.includes("/src/cli/run.")), imported.join("\n"));
  assert.deepEqual(listeners(), before);
});
