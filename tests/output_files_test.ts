/**
 * The files a run writes (`--report-json`, `--trace`): their paths are checked before anything
 * runs, a regular file is replaced atomically (through a symbolic link), anything else is written
 * straight through and never replaced, and a write that fails at the end is one line and exit 1.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { test } from "node:test";
import type { Task } from "../mod.ts";
import { cliPath, isDeno, runCli, taskFile, tempDir } from "./_helpers.ts";

/** A task file whose one task leaves a marker file: the marker says whether anything ran. */
function markerFile(): { file: string; marker: string } {
  const dir = tempDir();
  const marker = join(dir, "ran");
  const tasks: Task[] = [{ name: "mark", type: "exec", arguments: `touch '${marker}'` }];
  return { file: taskFile({ tasks }), marker };
}

/** The CLI, quoted for a shell. */
const cliCommand = [process.execPath, ...(isDeno ? ["run", "--allow-all"] : []), cliPath]
  .map((a) => `'${a}'`).join(" ");

/** Runs `script` with bash; returns its exit code, stdout and stderr. */
function bash(script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn("bash", ["-c", script], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1" },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (t: string) => (stdout += t));
  child.stderr.setEncoding("utf8").on("data", (t: string) => (stderr += t));
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, stdout, stderr })));
}

for (const option of ["--report-json", "--trace"]) {
  test(`${option} into a missing directory, a directory or '' is refused before anything runs`, async () => {
    const dir = tempDir();
    for (
      const [path, why] of [
        [join(dir, "missing", "out.json"), /does not exist/],
        [dir, /is a directory/],
        ["", /empty/],
        [join(dir, "plain-file", "out.json"), /is not a directory/],
      ] as const
    ) {
      writeFileSync(join(dir, "plain-file"), "");
      const { file, marker } = markerFile();
      const result = await runCli([option, path, file]);
      assert.equal(result.code, 2, result.stderr);
      assert.equal(existsSync(marker), false, "nothing ran");
      assert.equal(result.stdout, "");
      const lines = result.stderr.trimEnd().split("\n");
      assert.equal(lines.length, 1, result.stderr);
      assert.ok(lines[0].includes(option) && lines[0].includes(JSON.stringify(path)), lines[0]);
      assert.match(lines[0], why);
      assert.ok(!result.stderr.includes("\x1b["), "no colour codes");
      assert.doesNotMatch(result.stderr, /^\s+at /m, "no stack trace");
    }
  });
}

test("--report-json into a read-only directory is refused before anything runs", {
  // root may write into any directory: there is nothing to refuse.
  skip: process.getuid?.() === 0 ? "running as root" : false,
}, async () => {
  const dir = join(tempDir(), "ro");
  mkdirSync(dir, { mode: 0o555 });
  const { file, marker } = markerFile();
  const result = await runCli(["--report-json", join(dir, "r.json"), file]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /not writable/);
  assert.equal(existsSync(marker), false);
});

test("a report through a symbolic link replaces the file it points to; the link stays", async () => {
  const dir = tempDir();
  mkdirSync(join(dir, "real"));
  writeFileSync(join(dir, "real", "report.json"), "old");
  symlinkSync(join("real", "report.json"), join(dir, "link.json"));
  const result = await runCli(["--report-json", join(dir, "link.json"), markerFile().file]);
  assert.equal(result.code, 0, result.stderr);
  assert.ok(lstatSync(join(dir, "link.json")).isSymbolicLink());
  assert.equal(readlinkSync(join(dir, "link.json")), join("real", "report.json"));
  assert.equal(JSON.parse(readFileSync(join(dir, "real", "report.json"), "utf8")).ok, true);
  assert.deepEqual(readdirSync(join(dir, "real")), ["report.json"], "no temporary file left");
  assert.deepEqual(readdirSync(dir).sort(), ["link.json", "real"]);
});

test("a FIFO gets the report written into it and stays a FIFO", async () => {
  const dir = tempDir();
  const fifo = join(dir, "fifo");
  const { file } = markerFile();
  const result = await bash(
    `mkfifo '${fifo}' && { timeout 30 cat '${fifo}' > '${dir}/got' & } && ${cliCommand} --report-json '${fifo}' '${file}' > /dev/null; code=$?; wait; exit $code`,
  );
  assert.equal(result.code, 0, result.stderr);
  assert.ok(statSync(fifo).isFIFO());
  assert.equal(JSON.parse(readFileSync(join(dir, "got"), "utf8")).ok, true);
  assert.deepEqual(readdirSync(dir).sort(), ["fifo", "got"]);
});

test("--report-json /dev/stdout follows the terminal text, into a pipe and into a redirected file", async () => {
  const { file } = markerFile();
  const piped = await runCli(["--report-json", "/dev/stdout", file]);
  assert.equal(piped.code, 0, piped.stderr);
  const at = piped.stdout.indexOf("{\n");
  assert.match(piped.stdout.slice(0, at), /Report:[\s\S]*1 task: 1 ok/);
  assert.equal(JSON.parse(piped.stdout.slice(at)).ok, true);

  const out = join(tempDir(), "out.txt");
  const redirected = await bash(`${cliCommand} --report-json /dev/stdout '${file}' > '${out}'`);
  assert.equal(redirected.code, 0, redirected.stderr);
  const text = readFileSync(out, "utf8");
  assert.match(
    text,
    /^Started: mark\n[\s\S]*Report:[\s\S]*\n\{\n/,
    "the run's text kept, the report after it",
  );
  assert.equal(JSON.parse(text.slice(text.indexOf("{\n"))).ok, true);
});

test("a device is written straight through: /dev/full fails in one line, exit 1, the report still shown", async () => {
  const before = statSync("/dev/full");
  const result = await runCli(["--report-json", "/dev/full", markerFile().file]);
  assert.equal(result.code, 1);
  assert.match(result.stdout, /Report:[\s\S]*1 task: 1 ok/);
  assert.match(result.stderr, /^dagrun: cannot write --report-json \/dev\/full: .*ENOSPC.*\n$/);
  const after = statSync("/dev/full");
  assert.ok(after.isCharacterDevice());
  assert.equal(after.rdev, before.rdev);
});

test("a report that fails to be written (file size limit) leaves no temporary file and exits 1", async () => {
  const dir = tempDir();
  const tasks: Task[] = Array.from(
    { length: 20 },
    (_, i) => ({ name: `task${i}`, type: "exec", arguments: "true" }),
  );
  const file = taskFile({ tasks });
  // A size limit of 1 KiB: the report (about 3 KB) cannot be written; SIGXFSZ is ignored, so the
  // write fails with EFBIG instead of killing dagrun.
  const result = await bash(
    `trap '' XFSZ; ulimit -f 1; ${cliCommand} --report-json '${dir}/r.json' --trace '${dir}/t.json' '${file}'`,
  );
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stdout, /20 tasks: 20 ok/);
  const lines = result.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 2, result.stderr);
  assert.match(lines[0], /^dagrun: cannot write --trace .*t\.json: .*EFBIG/);
  assert.match(lines[1], /^dagrun: cannot write --report-json .*r\.json: .*EFBIG/);
  assert.deepEqual(readdirSync(dir).filter((f) => f !== "tasks.json"), [], "no file, no *.tmp left");
});

test("a failed run whose report cannot be written exits 1, as the failure decided", async () => {
  const tasks: Task[] = [{ name: "fails", type: "exec", arguments: "exit 3" }];
  const result = await runCli(["--report-json", "/dev/full", taskFile({ tasks })]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /cannot write --report-json/);
});
