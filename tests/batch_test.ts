import assert from "node:assert/strict";
import { test } from "node:test";
import { WriteBatch } from "../src/output/batch.ts";
import { formatReport, reportChunks } from "../src/report/text.ts";

const text = (data: string | Uint8Array) => typeof data === "string" ? data : new TextDecoder().decode(data);

test("writes of one turn reach the sink as one per stream, in order, each whole", async () => {
  const sunk: [string, string][] = [];
  const batch = new WriteBatch((stream, data) => sunk.push([stream, text(data)]));
  batch.write("stdout", "Started: a\n");
  batch.write("stdout", new TextEncoder().encode("[a] bytes\n"));
  batch.write("stdout", "Ended : a\n");
  batch.write("stderr", "[b] oops\n");
  batch.write("stdout", "Started: c\n");
  assert.deepEqual(sunk, [
    ["stdout", "Started: a\n[a] bytes\nEnded : a\n"],
    ["stderr", "[b] oops\n"],
  ], "a change of stream passes on what the other stream held");
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.deepEqual(sunk.at(-1), ["stdout", "Started: c\n"], "the rest goes out by the end of the turn");
  assert.equal(sunk.length, 3);
});

test("a large burst is passed on before the turn ends; flush writes what is held at once", () => {
  const sunk: string[] = [];
  const batch = new WriteBatch((_stream, data) => sunk.push(text(data)));
  const line = "x".repeat(99) + "\n";
  for (let i = 0; i < 1000; i++) batch.write("stdout", line);
  assert.ok(sunk.length >= 1 && sunk.length < 10, `${sunk.length} writes`);
  batch.flush();
  assert.equal(sunk.join(""), line.repeat(1000));
  assert.ok(sunk.every((s) => s.endsWith("\n")), "no write ends mid-line");
});

test("the report of many tasks comes in chunks of whole lines that add up to formatReport", () => {
  const tasks = Array.from({ length: 20_000 }, (_, i) => ({
    name: `task-${i}`,
    type: "exec",
    status: i % 1000 === 7 ? "failed" as const : "ok" as const,
    startMs: 0,
    endMs: 5,
    durationMs: 5,
    ...(i % 1000 === 7 ? { exitCode: 1, error: "exit code 1" } : { exitCode: 0 }),
  }));
  const report = { ok: false, interrupted: false, durationMs: 5, tasks };
  const chunks = [...reportChunks(report)];
  assert.ok(chunks.length > 1, `${chunks.length} chunks`);
  assert.ok(chunks.every((c) => c.endsWith("\n")), "every chunk ends with a whole line");
  assert.equal(chunks.join(""), formatReport(report));
  assert.match(chunks.at(-1)!, /20000 tasks: 19980 ok, 20 failed, 0 skipped in/);
});
