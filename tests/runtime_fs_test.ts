import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  folderNames,
  mayExecute,
  pathKind,
  readBytes,
  readSmallTextSync,
  readTextFile,
} from "../src/runtime/fs.ts";
import { isDeno, tempDir } from "./_helpers.ts";

function files() {
  const dir = tempDir();
  const text = join(dir, "text.txt");
  writeFileSync(text, "\uFEFFhé\n", "utf8");
  const bad = join(dir, "bad.txt");
  writeFileSync(bad, new Uint8Array([0x61, 0xff, 0x62]));
  const script = join(dir, "script.sh");
  writeFileSync(script, "#!/bin/sh\n");
  chmodSync(script, 0o755);
  const plain = join(dir, "plain.sh");
  writeFileSync(plain, "#!/bin/sh\n");
  chmodSync(plain, 0o644);
  mkdirSync(join(dir, "sub"));
  return { dir, text, bad, script, plain };
}

test("readTextFile keeps a BOM and decodes bad UTF-8 leniently; readBytes gives the bytes", async () => {
  const f = files();
  assert.equal(await readTextFile(f.text), "\uFEFFhé\n");
  assert.equal(await readTextFile(f.bad), "a\uFFFDb");
  assert.deepEqual([...await readBytes(f.bad)], [0x61, 0xff, 0x62]);
});

test("a file that cannot be read rejects with the system's code", async () => {
  const f = files();
  await assert.rejects(readTextFile(join(f.dir, "missing")), { code: "ENOENT" });
  await assert.rejects(readTextFile(f.dir), { code: "EISDIR" });
});

test("pathKind, folderNames and readSmallTextSync", () => {
  const f = files();
  assert.equal(pathKind(f.text), "file");
  assert.equal(pathKind(f.dir), "directory");
  assert.equal(pathKind("/dev/null"), "other");
  assert.equal(pathKind(join(f.dir, "missing")), undefined);
  assert.deepEqual(folderNames(f.dir).sort(), ["bad.txt", "plain.sh", "script.sh", "sub", "text.txt"]);
  assert.equal(readSmallTextSync("/proc/self/stat").split(" ")[0], String(process.pid));
});

test("mayExecute answers as access(X_OK) does", () => {
  const f = files();
  assert.equal(mayExecute(f.script), true);
  assert.equal(mayExecute(f.plain), false);
  assert.equal(mayExecute(join(f.dir, "missing")), false);
  assert.equal(mayExecute("/bin/sh"), true);
});

test("on Deno without FFI permission, mayExecute answers from the file's mode", { skip: !isDeno }, () => {
  const f = files();
  const module = fileURLToPath(new URL("../src/runtime/fs.ts", import.meta.url));
  const code = `import { mayExecute } from ${JSON.stringify(module)};
console.log(JSON.stringify([${
    [f.script, f.plain, join(f.dir, "missing"), "/bin/sh"].map((p) => `mayExecute(${JSON.stringify(p)})`)
  }]));`;
  const r = spawnSync(process.execPath, ["run", "--allow-read", "--allow-env", "--allow-sys", "-"], {
    input: code,
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), [true, false, false, true]);
});
