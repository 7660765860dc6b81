import assert from "node:assert/strict";
import { mkdirSync, renameSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { GlobCache } from "../src/freshness/glob_cache.ts";
import { tempDir } from "./_helpers.ts";

/** Sets the times of each path to a minute ago: older than the racy window, so trusted. */
function age(...paths: string[]): void {
  const then = new Date(Date.now() - 60_000);
  for (const path of paths) utimesSync(path, then, then);
}

/** A folder with src/a.ts, src/b.ts, src/deep/c.ts and src/.hidden.ts, every folder aged. */
function tree(): string {
  const dir = tempDir();
  mkdirSync(join(dir, "src/deep"), { recursive: true });
  for (const file of ["src/a.ts", "src/b.ts", "src/deep/c.ts", "src/.hidden.ts"]) {
    writeFileSync(join(dir, file), "");
  }
  age(join(dir, "src/deep"), join(dir, "src"), dir);
  return dir;
}

test("an expansion is answered from the cache while its folders are unchanged, also after save and load", () => {
  const dir = tree();
  const globs = new GlobCache();
  const files = ["src/a.ts", "src/b.ts", "src/deep/c.ts"];
  assert.deepEqual(globs.expand(dir, ["src/**/*.ts"], []), files);
  assert.equal(globs.globbed, 1);
  assert.deepEqual(globs.expand(dir, ["src/**/*.ts"], []), files);
  assert.equal(globs.globbed, 1, "no folder listed the second time");
  const cache = join(dir, "globs");
  globs.save(cache);
  const loaded = GlobCache.load(cache, (m) => assert.fail(m));
  assert.deepEqual(loaded.expand(dir, ["src/**/*.ts"], []), files);
  assert.equal(loaded.globbed, 0, "answered from the cache file");
  // Other patterns or another ignore list are another expansion.
  assert.deepEqual(loaded.expand(dir, ["src/*.ts"], []), ["src/a.ts", "src/b.ts"]);
  assert.deepEqual(loaded.expand(dir, ["src/**/*.ts"], ["src/deep/**"]), ["src/a.ts", "src/b.ts"]);
  assert.equal(loaded.globbed, 2);
});

test("a file added, removed or renamed in any folder listed, or a new subfolder, is seen at once", () => {
  const dir = tree();
  const globs = new GlobCache();
  const expand = () => globs.expand(dir, ["src/**/*.ts"], []);
  expand();
  writeFileSync(join(dir, "src/deep/d.ts"), "");
  assert.deepEqual(expand(), ["src/a.ts", "src/b.ts", "src/deep/c.ts", "src/deep/d.ts"]);
  age(join(dir, "src/deep"));
  expand();
  rmSync(join(dir, "src/a.ts"));
  assert.deepEqual(expand(), ["src/b.ts", "src/deep/c.ts", "src/deep/d.ts"]);
  age(join(dir, "src"));
  expand();
  renameSync(join(dir, "src/deep/c.ts"), join(dir, "src/deep/e.ts"));
  assert.deepEqual(expand(), ["src/b.ts", "src/deep/d.ts", "src/deep/e.ts"]);
  age(join(dir, "src/deep"));
  expand();
  mkdirSync(join(dir, "src/new"));
  writeFileSync(join(dir, "src/new/f.ts"), "");
  assert.deepEqual(expand(), ["src/b.ts", "src/deep/d.ts", "src/deep/e.ts", "src/new/f.ts"]);
});

test("a folder that did not exist is seen when it appears", () => {
  const dir = tempDir();
  age(dir);
  const globs = new GlobCache();
  assert.deepEqual(globs.expand(dir, ["gen/*.ts"], []), []);
  assert.deepEqual(globs.expand(dir, ["gen/*.ts"], []), []);
  assert.equal(globs.globbed, 1, "a missing folder is remembered as missing");
  mkdirSync(join(dir, "gen"));
  writeFileSync(join(dir, "gen/x.ts"), "");
  assert.deepEqual(globs.expand(dir, ["gen/*.ts"], []), ["gen/x.ts"]);
});

test("a folder changed within a second of its listing is listed again next time (racily clean)", () => {
  const dir = tree();
  writeFileSync(join(dir, "src/new.ts"), "");
  const globs = new GlobCache();
  globs.expand(dir, ["src/*.ts"], []);
  // Another entry added in the same timestamp tick would leave the folder's stat as it was.
  globs.expand(dir, ["src/*.ts"], []);
  assert.equal(globs.globbed, 2, "not trusted: the same tick could hide another change");
});

test("an expansion that meets a symlink is not cached: where it leads can change unseen", () => {
  const dir = tree();
  mkdirSync(join(dir, "elsewhere"));
  writeFileSync(join(dir, "elsewhere/x.ts"), "");
  symlinkSync(join(dir, "elsewhere/x.ts"), join(dir, "src/link.ts"));
  age(join(dir, "src"), join(dir, "elsewhere"));
  const globs = new GlobCache();
  assert.deepEqual(globs.expand(dir, ["src/*.ts"], []), ["src/a.ts", "src/b.ts", "src/link.ts"]);
  rmSync(join(dir, "elsewhere/x.ts"));
  assert.deepEqual(globs.expand(dir, ["src/*.ts"], []), ["src/a.ts", "src/b.ts"]);
  assert.equal(globs.globbed, 2);
});

test("a damaged glob cache warns once and starts empty", () => {
  const dir = tree();
  const cache = join(dir, "globs");
  for (const text of ["{}", "dagrun globs 1\nno tab\n", "dagrun globs 1\nunfinished"]) {
    writeFileSync(cache, text);
    const warnings: string[] = [];
    const globs = GlobCache.load(cache, (m) => warnings.push(m));
    assert.equal(warnings.length, 1, text);
    assert.match(warnings[0], /is damaged/);
    assert.deepEqual(globs.expand(dir, ["src/*.ts"], []), ["src/a.ts", "src/b.ts"]);
  }
  // An entry that is not what it should be is no entry: the folders are listed again.
  writeFileSync(cache, `dagrun globs 1\n${JSON.stringify([dir, ["src/*.ts"], []])}\t{"folders":1}\n`);
  const globs = GlobCache.load(cache, (m) => assert.fail(m));
  assert.deepEqual(globs.expand(dir, ["src/*.ts"], []), ["src/a.ts", "src/b.ts"]);
  assert.equal(globs.globbed, 1);
});
