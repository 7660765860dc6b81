import assert from "node:assert/strict";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { StateLog, type TaskRecord } from "../src/freshness/state_log.ts";
import { tempDir } from "./_helpers.ts";

function record(fingerprint: string, input = "h"): TaskRecord {
  return {
    fingerprint,
    definition: { type: "t", arguments: "a", cwd: "c", env: "e", patterns: "p" },
    inputs: { "src/a.txt": input },
    dependencies: {},
    outputs: { "out/a": "o" },
  };
}

const noWarning = (m: string) => assert.fail(m);

test("the log holds fingerprints and outputs; what they were made of is in the parts file, read when asked", () => {
  const path = join(tempDir(), "state.jsonl");
  const log = StateLog.open(path, noWarning);
  log.set("build", record("F1"));
  log.close();
  const lines = readFileSync(path, "utf8").split("\n");
  assert.deepEqual(JSON.parse(lines[1]), { task: "build", fingerprint: "F1", outputs: { "out/a": "o" } });
  assert.match(readFileSync(path.replace(".jsonl", "-parts.jsonl"), "utf8"), /"src\/a.txt":"h"/);
  const again = StateLog.open(path, noWarning).get("build")!;
  assert.equal(again.fingerprint, "F1");
  assert.deepEqual(again.inputs, { "src/a.txt": "h" });
  assert.equal(again.definition.arguments, "a");
});

test("a part whose record never reached the log (a crash between the two) is ignored; the older one holds", () => {
  const path = join(tempDir(), "state.jsonl");
  const log = StateLog.open(path, noWarning);
  log.set("build", record("F1", "old"));
  log.close();
  appendFileSync(
    path.replace(".jsonl", "-parts.jsonl"),
    JSON.stringify({ task: "build", fingerprint: "F2" }) + "\t" +
      JSON.stringify({ definition: {}, inputs: { "src/a.txt": "new" }, dependencies: {} }) + "\n",
  );
  const read = StateLog.open(path, noWarning).get("build")!;
  assert.equal(read.fingerprint, "F1");
  assert.deepEqual(read.inputs, { "src/a.txt": "old" });
});

test("a missing, foreign or damaged parts file only leaves the parts empty: no warning, the records hold", () => {
  const path = join(tempDir(), "state.jsonl");
  const parts = path.replace(".jsonl", "-parts.jsonl");
  const log = StateLog.open(path, noWarning);
  log.set("build", record("F1"));
  log.close();
  for (
    const text of ["", "junk\n", `${readFileSync(parts, "utf8").split("\n")[0]}\n{"task":\tnot json\n5\n`]
  ) {
    writeFileSync(parts, text);
    const read = StateLog.open(path, noWarning).get("build")!;
    assert.equal(read.fingerprint, "F1");
    assert.deepEqual(read.inputs, {});
    assert.deepEqual(read.definition, {});
  }
});

test("an older state version gets one warning that says so, and an empty state", () => {
  const path = join(tempDir(), "state.jsonl");
  writeFileSync(path, '{"dagrun":"state","version":2}\n{"task":"a","fingerprint":"f","outputs":{}}\tx\n');
  const warnings: string[] = [];
  const log = StateLog.open(path, (m) => warnings.push(m));
  assert.equal(log.get("a"), undefined);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /written by another version of dagrun/);
});

test("the rewrite of a grown log keeps each live record's parts and drops the rest", () => {
  const path = join(tempDir(), "state.jsonl");
  for (let n = 0; n < 80; n++) {
    const log = StateLog.open(path, noWarning);
    log.set("build", record(`F${n}`, `h${n}`));
    log.set("gone", record(`G${n}`));
    log.delete("gone");
    log.close();
  }
  const lines = readFileSync(path, "utf8").trim().split("\n");
  assert.ok(lines.length < 80, `rewritten: ${lines.length} lines`);
  const parts = readFileSync(path.replace(".jsonl", "-parts.jsonl"), "utf8").trim().split("\n");
  assert.ok(parts.length < 80, `rewritten: ${parts.length} parts`);
  const read = StateLog.open(path, noWarning);
  assert.equal(read.get("gone"), undefined);
  assert.deepEqual(read.get("build")!.inputs, { "src/a.txt": "h79" });
});
