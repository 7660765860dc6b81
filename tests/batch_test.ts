import assert from "node:assert/strict";
import { test } from "node:test";
import { WriteBatch } from "../src/output/batch.ts";

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
