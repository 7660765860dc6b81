import assert from "node:assert/strict";
import { utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { FileHashes } from "../src/freshness/file_hashes.ts";
import { tempDir } from "./_helpers.ts";

/** Writes `text` to `path` with a modification time `agoMs` in the past (old enough to be trusted). */
function writeOld(path: string, text: string, agoMs = 60_000): void {
  writeFileSync(path, text);
  const then = new Date(Date.now() - agoMs);
  utimesSync(path, then, then);
}

test("a file whose stat did not change is not read again, also after the cache is saved and loaded", () => {
  const dir = tempDir();
  const file = join(dir, "a.txt");
  writeOld(file, "one");
  const hashes = new FileHashes();
  const first = hashes.hash(file, "a.txt");
  assert.equal(hashes.hash(file, "a.txt"), first);
  assert.equal(hashes.hashedFiles, 1);
  const cache = join(dir, "cache");
  hashes.save(cache);
  const loaded = FileHashes.load(cache, (m) => assert.fail(m));
  assert.equal(loaded.hash(file, "a.txt"), first);
  assert.equal(loaded.hashedFiles, 0, "answered from the cache file");
  // Same size, another content and time: the stat differs, so it is read again.
  writeOld(file, "two", 30_000);
  assert.notEqual(loaded.hash(file, "a.txt"), first);
  assert.equal(loaded.hashedFiles, 1);
});

test("a file modified within a second of its hashing is read again next time (racily clean)", () => {
  const dir = tempDir();
  const file = join(dir, "a.txt");
  writeFileSync(file, "fresh");
  const hashes = new FileHashes();
  hashes.hash(file, "a.txt");
  hashes.hash(file, "a.txt");
  assert.equal(hashes.hashedFiles, 2, "not trusted: the same tick could hide another write");
});

test("changed: a save of the same content is no change; new content, a new or a removed file is", () => {
  const dir = tempDir();
  const file = join(dir, "a.txt");
  writeOld(file, "same");
  const hashes = new FileHashes();
  hashes.hash(file, "a.txt");
  writeFileSync(file, "same");
  assert.equal(hashes.changed(file, "a.txt"), false);
  writeFileSync(file, "other");
  assert.equal(hashes.changed(file, "a.txt"), true);
  assert.equal(hashes.changed(join(dir, "new.txt"), "new.txt"), false, "no file, never seen");
  writeFileSync(join(dir, "new.txt"), "");
  assert.equal(hashes.changed(join(dir, "new.txt"), "new.txt"), true);
});

test("a damaged cache file warns once and starts empty", () => {
  const dir = tempDir();
  const cache = join(dir, "cache");
  for (const text of ["{}", "dagrun file-hashes 2\nnot an entry\n", 'dagrun file-hashes 2\n"a\tb\n']) {
    writeFileSync(cache, text);
    const warnings: string[] = [];
    FileHashes.load(cache, (m) => warnings.push(m));
    assert.equal(warnings.length, 1, text);
    assert.match(warnings[0], /is damaged/);
  }
});
