import assert from "node:assert/strict";
import { statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { FileHashes } from "../src/freshness/file_hashes.ts";
import { StatDigest, StatDigests } from "../src/freshness/stat_digests.ts";
import { statFile } from "../src/runtime/stat.ts";
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

test("a stat digest is trusted only when every file exists and was modified over a second before", () => {
  const dir = tempDir();
  writeOld(join(dir, "old.txt"), "old");
  writeFileSync(join(dir, "new.txt"), "new");
  const old = statFile(join(dir, "old.txt"));
  const digest = new StatDigest(dir);
  digest.add("old.txt", old);
  assert.equal(digest.trusted, true);
  const value = digest.value;
  digest.add("new.txt", statFile(join(dir, "new.txt")));
  assert.equal(digest.trusted, false, "modified just now: another write in the same tick would not show");
  assert.notEqual(digest.value, value);
  const missing = new StatDigest(dir);
  missing.add("gone.txt", undefined);
  assert.equal(missing.trusted, false);
  // The same files with the same stats under another folder are another digest.
  const elsewhere = new StatDigest(join(dir, "x"));
  elsewhere.add("old.txt", old);
  assert.notEqual(elsewhere.value, value);
});

test("stat digests keep a hash per key and digest, through save and load; a damaged file warns once", () => {
  const dir = tempDir();
  const path = join(dir, "digests");
  const digests = new StatDigests();
  digests.set('in a "b"\t', "D1", "H1");
  assert.equal(digests.get('in a "b"\t', "D1"), "H1");
  assert.equal(digests.get('in a "b"\t', "D2"), undefined, "another digest");
  assert.equal(digests.get("in c", "D1"), undefined);
  digests.save(path);
  const loaded = StatDigests.load(path, (m) => assert.fail(m));
  assert.equal(loaded.get('in a "b"\t', "D1"), "H1");
  loaded.set('in a "b"\t', "D2", "H2");
  assert.equal(loaded.get('in a "b"\t', "D1"), undefined, "replaced");
  for (const text of ["{}", "dagrun stat-digests 1\nnot an entry\n", 'dagrun stat-digests 1\n"a"\tD H']) {
    writeFileSync(path, text);
    const warnings: string[] = [];
    assert.equal(StatDigests.load(path, (m) => warnings.push(m)).get("a", "D"), undefined);
    assert.equal(warnings.length, 1, text);
    assert.match(warnings[0], /is damaged/);
  }
});

test("statFile: a regular file's size, times and inode as node:fs sees them; nothing for a folder or no file", () => {
  const dir = tempDir();
  const file = join(dir, "a.txt");
  writeOld(file, "four");
  const mine = statFile(file)!;
  const node = statSync(file);
  assert.equal(mine.size, 4);
  assert.equal(mine.ino, node.ino);
  assert.equal(Math.floor(mine.mtimeMs / 1000), Math.floor(node.mtimeMs / 1000));
  assert.equal(statFile(dir), undefined);
  assert.equal(statFile(join(dir, "none")), undefined);
  assert.equal(statFile(`${file}\0.txt`), undefined, "a NUL does not cut the path short");
});
