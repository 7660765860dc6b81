import assert from "node:assert/strict";
import { mkdirSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { FileHashes } from "../src/freshness/file_hashes.ts";
import { digestStats, StatDigests } from "../src/freshness/stat_digests.ts";
import { statFile, statFileInto, statFilesInto } from "../src/runtime/stat.ts";
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
  const stats = new Float64Array(8);
  assert.ok(statFileInto(join(dir, "old.txt"), stats, 0));
  assert.ok(statFileInto(join(dir, "new.txt"), stats, 4));
  const old = digestStats(dir, ["old.txt"], stats.subarray(0, 4));
  assert.equal(old.trusted, true);
  const both = digestStats(dir, ["old.txt", "new.txt"], stats);
  assert.equal(both.trusted, false, "modified just now: another write in the same tick would not show");
  assert.notEqual(both.value, old.value);
  assert.equal(digestStats(dir, ["gone.txt"], new Float64Array([-1, 0, 0, 0])).trusted, false);
  // The same stats under another name or folder, or another ctime, are another digest.
  assert.notEqual(digestStats(dir, ["other.txt"], stats.subarray(0, 4)).value, old.value);
  assert.notEqual(digestStats(join(dir, "x"), ["old.txt"], stats.subarray(0, 4)).value, old.value);
  const ctime = stats.slice(0, 4);
  ctime[2]++;
  assert.notEqual(digestStats(dir, ["old.txt"], ctime).value, old.value);
  assert.equal(
    digestStats(dir, ["old.txt"], stats.slice(0, 4)).value,
    old.value,
    "the same: the same digest",
  );
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

test("statFilesInto: each path's stat as statFileInto gives it, folder by folder; -1 where there is no regular file", () => {
  const dir = tempDir();
  mkdirSync(join(dir, "a"));
  mkdirSync(join(dir, "b"));
  writeFileSync(join(dir, "a", "1.txt"), "one");
  writeFileSync(join(dir, "a", "2.txt"), "two!");
  writeFileSync(join(dir, "b", "3.txt"), "three");
  symlinkSync(join(dir, "b", "3.txt"), join(dir, "a", "link"));
  const paths = [
    join(dir, "a", "1.txt"),
    join(dir, "a", "2.txt"),
    join(dir, "b", "3.txt"),
    join(dir, "a", "link"),
    join(dir, "a", "missing"),
    join(dir, "b"),
    join(dir, "a", "1.txt", "under-a-file"),
    join(dir, "gone", "x"),
    join(dir, "a", "1.txt"),
    "/",
  ];
  const stats = new Float64Array(paths.length * 4);
  statFilesInto(paths, stats);
  const one = new Float64Array(4);
  paths.forEach((path, i) => {
    const got = [...stats.subarray(i * 4, i * 4 + 4)];
    if (statFileInto(path, one, 0)) assert.deepEqual(got, [...one], path);
    else assert.equal(got[0], -1, path);
  });
  assert.deepEqual([0, 1, 2, 3].map((i) => stats[i * 4]), [3, 4, 5, 5], "sizes, the link's its target's");
  assert.deepEqual([4, 5, 6, 7, 9].map((i) => stats[i * 4]), [-1, -1, -1, -1, -1]);
});
