/**
 * Incremental runs through the CLI on real files: what runs, what is up to date, and why.
 */
import assert from "node:assert/strict";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { type CliResult, readJson, runCli, sendSignal, tempDir } from "./_helpers.ts";

interface TaskSpec {
  name: string;
  type?: string;
  arguments: string;
  dependencies?: string[];
  inputs?: string[];
  outputs?: string[];
  env?: Record<string, string>;
  cwd?: string;
}

/** A folder with `files` and a `tasks.json` of `tasks`; returns the folder. */
function project(tasks: TaskSpec[], files: Record<string, string> = {}): string {
  const dir = tempDir();
  for (const [path, text] of Object.entries(files)) write(dir, path, text);
  writeTasks(dir, tasks);
  return dir;
}

function writeTasks(dir: string, tasks: TaskSpec[]): void {
  writeFileSync(
    join(dir, "tasks.json"),
    JSON.stringify({ tasks: tasks.map((t) => ({ type: "exec", ...t })) }),
  );
}

function write(dir: string, path: string, text: string): void {
  mkdirSync(dirname(join(dir, path)), { recursive: true });
  writeFileSync(join(dir, path), text);
}

/** What one run did: the names it started and the ones it found up to date, in order. */
interface Pass extends CliResult {
  ran: string[];
  upToDate: string[];
}

async function dagrun(dir: string, ...args: string[]): Promise<Pass> {
  // Commands run in dagrun's current folder; patterns are relative to the task file's.
  const result = await runCli([join(dir, "tasks.json"), ...args], { cwd: dir });
  return {
    ...result,
    ran: [...result.stdout.matchAll(/^Started: (.+)$/gm)].map((m) => m[1]).sort(),
    upToDate: [...result.stdout.matchAll(/^Up to date: (.+)$/gm)].map((m) => m[1]).sort(),
  };
}

/** gen concatenates src/*.txt into out/all.txt; count counts its lines into out/count.txt. */
const chain: TaskSpec[] = [
  {
    name: "gen",
    arguments: "mkdir -p out && cat src/*.txt > out/all.txt",
    inputs: ["src/*.txt"],
    outputs: ["out/all.txt"],
  },
  {
    name: "count",
    arguments: "wc -l < out/all.txt | tr -d ' ' > out/count.txt",
    inputs: ["out/all.txt"],
    outputs: ["out/count.txt"],
    dependencies: ["gen"],
  },
];

test("first run runs all, the second none: Up to date lines, the report and the JSON say so", async () => {
  const dir = project([...chain, { name: "plain", arguments: "true" }], {
    "src/a.txt": "a\n",
    "src/b.txt": "b\n",
  });
  const first = await dagrun(dir);
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(first.ran, ["count", "gen", "plain"]);
  assert.equal(readFileSync(join(dir, "out/count.txt"), "utf8"), "2\n");
  assert.ok(existsSync(join(dir, ".dagrun")), "state beside the task file");

  const json = join(dir, "report.json");
  const second = await dagrun(dir, "--report-json", json);
  assert.equal(second.code, 0, second.stderr);
  assert.deepEqual(second.upToDate, ["count", "gen"]);
  assert.deepEqual(second.ran, ["plain"], "a task without inputs runs every time");
  assert.match(second.stdout, /\n {2}gen +ok +- +up to date\n/);
  assert.match(second.stdout, /3 tasks: 1 ok, 2 up to date, 0 failed, 0 skipped in/);
  const report = readJson(json);
  const gen = report.tasks.find((t) => t.name === "gen")!;
  assert.equal(gen.status, "ok");
  assert.equal(gen.upToDate, true);
  assert.equal(report.tasks.find((t) => t.name === "plain")!.upToDate, undefined);
  assert.equal(report.ok, true);
});

test("touching an input without changing it runs nothing; changing it runs its task and dependents", async () => {
  const dir = project(chain, { "src/a.txt": "a\n", "src/b.txt": "b\n" });
  assert.deepEqual((await dagrun(dir)).ran, ["count", "gen"]);
  const later = new Date(Date.now() + 5000);
  utimesSync(join(dir, "src/a.txt"), later, later);
  const touched = await dagrun(dir);
  assert.deepEqual(touched.ran, []);
  assert.deepEqual(touched.upToDate, ["count", "gen"]);

  write(dir, "src/a.txt", "a\nmore\n");
  const changed = await dagrun(dir);
  assert.deepEqual(changed.ran, ["count", "gen"]);
  assert.equal(readFileSync(join(dir, "out/count.txt"), "utf8"), "3\n");
  // A new file that the pattern matches is a change too.
  write(dir, "src/c.txt", "c\n");
  assert.deepEqual((await dagrun(dir)).ran, ["count", "gen"]);
});

test("the folder listings kept between runs see a new, a removed and a renamed input", async () => {
  const dir = project(chain, { "src/a.txt": "a\n", "src/b.txt": "b\n" });
  // Folders old enough to be trusted, so that the next runs answer the glob from its cache.
  const age = () => {
    const then = new Date(Date.now() - 60_000);
    for (const folder of [dir, join(dir, "src"), join(dir, "out")]) utimesSync(folder, then, then);
  };
  assert.deepEqual((await dagrun(dir)).ran, ["count", "gen"]);
  age();
  assert.deepEqual((await dagrun(dir)).upToDate, ["count", "gen"]);
  assert.ok(existsSync(join(dir, ".dagrun/globs")));
  write(dir, "src/c.txt", "c\n");
  const added = await dagrun(dir, "--dry-run");
  assert.match(added.stdout, /gen .*\(input src\/c\.txt is new\)/);
  assert.deepEqual((await dagrun(dir)).ran, ["count", "gen"]);
  assert.equal(readFileSync(join(dir, "out/count.txt"), "utf8"), "3\n");
  age();
  assert.deepEqual((await dagrun(dir)).ran, []);
  rmSync(join(dir, "src/a.txt"));
  assert.deepEqual((await dagrun(dir)).ran, ["count", "gen"]);
  age();
  assert.deepEqual((await dagrun(dir)).ran, []);
  renameSync(join(dir, "src/b.txt"), join(dir, "src/d.txt"));
  const renamed = await dagrun(dir, "--dry-run");
  assert.match(renamed.stdout, /gen .*\(input src\/d\.txt is new\)/);
});

test("a same-size edit that puts the old mtime back is seen, in an input and in an output, after runs answered from stats", async () => {
  const dir = project(chain, { "src/a.txt": "a\n", "src/b.txt": "b\n" });
  const then = new Date(Date.now() - 60_000);
  const age = () => {
    for (const path of ["src/a.txt", "src/b.txt", "out/all.txt", "out/count.txt", "src", "out", "."]) {
      if (existsSync(join(dir, path))) utimesSync(join(dir, path), then, then);
    }
  };
  age();
  assert.deepEqual((await dagrun(dir)).ran, ["count", "gen"]);
  age();
  // The first run with nothing to do reads the outputs' hashes and keeps their stats' digest;
  // the next ones answer from the inputs' and outputs' stats alone.
  assert.deepEqual((await dagrun(dir)).upToDate, ["count", "gen"]);
  assert.match(readFileSync(join(dir, ".dagrun/stat-digests"), "utf8"), /"out gen"/);
  assert.deepEqual((await dagrun(dir)).upToDate, ["count", "gen"]);
  // Same size, same mtime: only the ctime (and the content) tell.
  write(dir, "src/a.txt", "A\n");
  utimesSync(join(dir, "src/a.txt"), then, then);
  const edited = await dagrun(dir, "--dry-run");
  assert.match(edited.stdout, /gen .*\(input src\/a\.txt changed\)/);
  assert.deepEqual((await dagrun(dir)).ran, ["count", "gen"]);
  age();
  assert.deepEqual((await dagrun(dir)).ran, []);
  assert.deepEqual((await dagrun(dir)).ran, []);
  write(dir, "out/count.txt", "9\n");
  utimesSync(join(dir, "out/count.txt"), then, then);
  const output = await dagrun(dir, "--dry-run");
  assert.match(output.stdout, /count .*\(output out\/count\.txt changed\)/);
  assert.deepEqual((await dagrun(dir)).ran, ["count"]);
  assert.equal(readFileSync(join(dir, "out/count.txt"), "utf8"), "2\n");
});

test("early cutoff: a step that re-ran but left byte-identical outputs does not wake its dependents", async () => {
  const dir = project([
    {
      name: "strip",
      arguments: "grep -v '^#' config.txt > stripped.txt",
      inputs: ["config.txt"],
      outputs: ["stripped.txt"],
    },
    {
      name: "use",
      arguments: "cp stripped.txt used.txt && echo ran >> use.log",
      inputs: ["stripped.txt"],
      outputs: ["used.txt"],
      dependencies: ["strip"],
    },
    {
      name: "last",
      arguments: "cp used.txt last.txt",
      inputs: [],
      outputs: ["last.txt"],
      dependencies: ["use"],
    },
  ], { "config.txt": "# a comment\nvalue=1\n" });
  assert.deepEqual((await dagrun(dir)).ran, ["last", "strip", "use"]);
  write(dir, "config.txt", "# another comment\nvalue=1\n");
  const cut = await dagrun(dir);
  assert.deepEqual(cut.ran, ["strip"]);
  assert.deepEqual(cut.upToDate, ["last", "use"]);
  assert.equal(readFileSync(join(dir, "use.log"), "utf8"), "ran\n");

  write(dir, "config.txt", "# another comment\nvalue=2\n");
  assert.deepEqual((await dagrun(dir)).ran, ["last", "strip", "use"]);
});

test("a deleted or edited output runs the task that makes it and what depends on it", async () => {
  const dir = project(chain, { "src/a.txt": "a\n" });
  await dagrun(dir);
  rmSync(join(dir, "out/all.txt"));
  const deleted = await dagrun(dir, "--dry-run");
  assert.match(deleted.stdout, /gen .*\(output out\/all\.txt is missing\)/);
  // A prediction cannot know what gen will write, so it counts on a change.
  assert.match(deleted.stdout, /count .*\(dependency gen would run\)/);
  const rebuilt = await dagrun(dir);
  assert.deepEqual(rebuilt.ran, ["gen"]);
  assert.deepEqual(rebuilt.upToDate, ["count"], "gen made the same out/all.txt again");
  rmSync(join(dir, "out/all.txt"));
  write(dir, "src/a.txt", "a\nb\n");
  assert.deepEqual((await dagrun(dir)).ran, ["count", "gen"]);

  write(dir, "out/count.txt", "999\n");
  const edited = await dagrun(dir);
  assert.deepEqual(edited.ran, ["count"]);
  assert.equal(readFileSync(join(dir, "out/count.txt"), "utf8"), "2\n");
});

test("--force runs every selected task and still records the state", async () => {
  const dir = project(chain, { "src/a.txt": "a\n" });
  await dagrun(dir);
  assert.deepEqual((await dagrun(dir, "--force")).ran, ["count", "gen"]);
  assert.deepEqual((await dagrun(dir)).ran, []);
});

test("a changed command, env or cwd runs the task again, and dry-run and check say why", async () => {
  const tasks = (command: string, env: Record<string, string>): TaskSpec[] => [
    { name: "a", arguments: command, env, inputs: ["in.txt"], outputs: ["out.txt"] },
  ];
  const dir = project(tasks("cp in.txt out.txt", { MODE: "1" }), { "in.txt": "x\n" });
  await dagrun(dir);
  assert.deepEqual((await dagrun(dir)).ran, []);
  const check = await runCli(["check", join(dir, "tasks.json")], { cwd: dir });
  assert.equal(check.code, 0, check.stderr);
  assert.match(check.stdout, /Up to date: a\n/);

  writeTasks(dir, tasks("cat in.txt > out.txt", { MODE: "1" }));
  const dry = await dagrun(dir, "--dry-run");
  assert.match(dry.stdout, /1\. a .*\(its command changed\)/);
  assert.match(
    (await runCli(["check", join(dir, "tasks.json")], { cwd: dir })).stdout,
    /Would run:\n {2}a: its command changed/,
  );
  assert.deepEqual((await dagrun(dir)).ran, ["a"]);

  writeTasks(dir, tasks("cat in.txt > out.txt", { MODE: "2" }));
  assert.match((await dagrun(dir, "--dry-run")).stdout, /\(its env changed\)/);
  assert.deepEqual((await dagrun(dir)).ran, ["a"]);
  assert.deepEqual((await dagrun(dir)).ran, []);
  // Neither a dry run nor check wrote anything: the task is still up to date after them.
  assert.deepEqual((await dagrun(dir)).upToDate, ["a"]);
});

test("a failed task is not up to date on the next run, even with the same inputs", async () => {
  const dir = project([{ name: "a", arguments: "test -f ok", inputs: ["in.txt"] }], { "in.txt": "x" });
  await dagrun(dir);
  const first = await dagrun(dir);
  assert.deepEqual(first.upToDate, []);
  assert.equal(first.code, 1);
  write(dir, "ok", "");
  assert.equal((await dagrun(dir)).code, 0);
  assert.deepEqual((await dagrun(dir)).upToDate, ["a"]);
});

test("an interrupted run keeps the state of the tasks that finished", async () => {
  const dir = project([
    { name: "quick", arguments: "cp a.txt quick.out", inputs: ["a.txt"], outputs: ["quick.out"] },
    { name: "slow", arguments: "sleep 30", inputs: ["a.txt"] },
  ], { "a.txt": "a" });
  let seen = "";
  let sent = false;
  const interrupted = await runCli([join(dir, "tasks.json")], {
    cwd: dir,
    onStdout: (text, child) => {
      seen += text;
      if (!sent && /Ended : quick/.test(seen) && /Started: slow/.test(seen)) {
        sent = true;
        sendSignal(child.pid!, "SIGINT");
      }
    },
  });
  assert.equal(interrupted.code, 130, interrupted.stdout + interrupted.stderr);
  const next = await dagrun(dir, "--dry-run");
  assert.match(next.stdout, /= {2}quick {2}up to date/);
  assert.match(next.stdout, /slow .*\(no successful run recorded\)/);
});

test("a damaged or foreign state gives one warning and a full run, never a crash", async () => {
  const dir = project(chain, { "src/a.txt": "a\n" });
  await dagrun(dir);
  const stateDir = join(dir, ".dagrun");
  const files = readdirSync(stateDir);
  assert.ok(files.includes("state.jsonl"), files.join(", "));
  for (const damage of ["garbage\n", '{"dagrun":"state","version":1}\n{"task":\n', "\u0000\u0001binary"]) {
    writeFileSync(join(stateDir, "state.jsonl"), damage);
    const run = await dagrun(dir);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.ran, ["count", "gen"]);
    assert.equal(run.stderr.match(/warning/g)?.length, 1, run.stderr);
    assert.match(run.stderr, /state\.jsonl is damaged .*every task runs/);
    const again = await dagrun(dir);
    assert.equal(again.stderr, "");
    assert.deepEqual(again.upToDate, ["count", "gen"]);
  }
  for (const cache of ["file-hashes.json", "globs", "stat-digests"]) {
    writeFileSync(join(stateDir, cache), "[1,2");
  }
  const caches = await dagrun(dir);
  for (const cache of ["file-hashes\\.json", "globs", "stat-digests"]) {
    assert.match(caches.stderr, new RegExp(`${cache} is damaged`));
  }
  assert.equal(caches.stderr.match(/warning/g)?.length, 3, caches.stderr);
  assert.deepEqual(caches.upToDate, ["count", "gen"], "the caches are only caches");
});

test("an unfinished last line (a crash while appending) loses that record only, without a warning", async () => {
  const dir = project(chain, { "src/a.txt": "a\n" });
  await dagrun(dir);
  const state = join(dir, ".dagrun", "state.jsonl");
  writeFileSync(state, readFileSync(state, "utf8") + '{"task":"gen","rec');
  const run = await dagrun(dir);
  assert.equal(run.stderr, "");
  assert.deepEqual(run.upToDate, ["count", "gen"]);
  assert.deepEqual((await dagrun(dir)).upToDate, ["count", "gen"]);
});

test("--state DIR keeps the state elsewhere", async () => {
  const dir = project(chain, { "src/a.txt": "a\n" });
  const state = join(tempDir(), "state");
  await dagrun(dir, "--state", state);
  assert.ok(existsSync(join(state, "state.jsonl")));
  assert.ok(!existsSync(join(dir, ".dagrun")));
  assert.deepEqual((await dagrun(dir, "--state", state)).upToDate, ["count", "gen"]);
  assert.deepEqual((await dagrun(dir)).upToDate, [], "the default folder has no state");
});

test("--state outside the project: the folder listings are kept, so the next run lists none", async () => {
  const dir = project(chain, { "src/a.txt": "a\n" });
  const state = join(tempDir(), "state");
  // Listings of folders changed within the last second are not kept (they could change unseen).
  const past = new Date(Date.now() - 10_000);
  await dagrun(dir, "--state", state);
  for (const folder of [dir, join(dir, "src")]) utimesSync(folder, past, past);
  await dagrun(dir, "--state", state);
  const listed = readFileSync(join(state, "globs"), "utf8");
  // Before, the state's own folder as an ignore pattern made the glob crawl from "/", whose
  // listing (with /tmp in it) was never trusted: nothing was kept and every run listed again.
  const entries = listed.trim().split("\n").slice(1);
  assert.ok(entries.some((line) => line.includes(JSON.stringify(join(dir, "src")).slice(0, -1))), listed);
  assert.ok(entries.every((line) => !line.includes('[["/",')), listed);
  assert.deepEqual((await dagrun(dir, "--state", state)).upToDate, ["count", "gen"]);
});

test("patterns are relative to the task's cwd, and the state folder is never an input", async () => {
  const dir = project([
    { name: "pkg", arguments: "true", cwd: "pkg", inputs: ["**/*"] },
    { name: "all", arguments: "true", inputs: ["**/*"] },
  ], { "pkg/src/a.ts": "a", "pkg/README": "r" });
  await dagrun(dir);
  assert.deepEqual((await dagrun(dir)).upToDate, ["all", "pkg"]);
  write(dir, "pkg/src/a.ts", "b");
  const changed = await dagrun(dir, "--dry-run");
  assert.match(changed.stdout, /pkg .*\(input src\/a\.ts changed\)/);
  assert.match(changed.stdout, /all .*\(input pkg\/src\/a\.ts changed\)/);
});

test("an eval task's cwd is where its patterns start: no 'has no effect' warning then", async () => {
  const dir = project([
    { name: "e", type: "eval", arguments: "", cwd: "pkg", inputs: ["*.txt"] },
    { name: "f", type: "eval", arguments: "", cwd: "pkg" },
  ], { "pkg/a.txt": "a" });
  const first = await dagrun(dir);
  assert.equal(first.code, 0, first.stderr);
  assert.doesNotMatch(first.stderr, /task "e".*no effect/);
  assert.match(first.stderr, /"cwd" has no effect on an eval task/);
  write(dir, "pkg/a.txt", "b");
  assert.match((await dagrun(dir, "--dry-run")).stdout, /e .*\(input a\.txt changed\)/);
});

test("bad inputs or outputs are refused at load: exit 2, where and how to fix, nothing run", async () => {
  const dir = tempDir();
  const marker = join(dir, "ran");
  const cases: [unknown, RegExp][] = [
    [
      "src/*.ts",
      /task "a": "inputs" must be an array, got "src\/\*\.ts"\n {4}fix: write it as a list of glob patterns/,
    ],
    [
      [""],
      /task "a": inputs\[0\] must not be empty\n {4}fix: remove the empty string, or give a glob pattern/,
    ],
    [["ok/*", 3], /task "a": inputs\[1\] must be a string, got 3/],
    [["src/[ab"], /task "a": "src\/\[ab" is not a valid glob pattern: Missing closing: "\]"/],
    [["src/*.{ts,js"], /is not a valid glob pattern: Missing closing: "\}"/],
  ];
  for (const [inputs, message] of cases) {
    const path = join(dir, "tasks.json");
    writeFileSync(
      path,
      JSON.stringify({ tasks: [{ name: "a", type: "exec", arguments: `touch ${marker}`, inputs }] }),
    );
    const result = await runCli([path]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /tasks\.json:1:\d+: /);
    assert.match(result.stderr, message);
    assert.doesNotMatch(result.stderr, /^\s+at /m);
  }
  writeFileSync(
    join(dir, "tasks.json"),
    JSON.stringify({ tasks: [{ name: "a", type: "exec", arguments: `touch ${marker}`, outputs: ["(x"] }] }),
  );
  assert.match((await runCli([join(dir, "tasks.json")])).stderr, /"\(x" is not a valid glob pattern/);
  assert.ok(!existsSync(marker), "nothing ran");
  assert.ok(!existsSync(join(dir, ".dagrun")), "no state written");
});

test("a state folder that cannot be made: one warning, every task runs, exit 0", async () => {
  const dir = project(chain, { "src/a.txt": "a\n" });
  write(dir, "blocker", "a file where the folder would go");
  const run = await dagrun(dir, "--state", join(dir, "blocker", "state"));
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(run.ran, ["count", "gen"]);
  assert.equal(run.stderr.match(/warning/g)?.length, 1, run.stderr);
  assert.match(run.stderr, /cannot keep the state in .*blocker\/state .*every task runs/);
  assert.doesNotMatch(run.stderr, /^\s+at /m);
});

test("a file without inputs or outputs writes no state", async () => {
  const dir = project([{ name: "a", arguments: "true" }]);
  assert.deepEqual((await dagrun(dir)).ran, ["a"]);
  assert.ok(!existsSync(join(dir, ".dagrun")));
});

test("the state is written as each task ends: a later task sees the earlier one's line", async () => {
  const dir = project([
    { name: "first", arguments: "true", inputs: ["a.txt"] },
    {
      name: "second",
      arguments: "cat .dagrun/state.jsonl > seen.txt",
      inputs: ["a.txt"],
      dependencies: ["first"],
    },
  ], { "a.txt": "a" });
  const run = await dagrun(dir);
  assert.equal(run.code, 0, run.stderr);
  assert.match(readFileSync(join(dir, "seen.txt"), "utf8"), /"task":"first"/);
});

test("--watch: an edit runs what is out of date, a save without change nothing, a broken file waits; Ctrl-C ends with 130", async () => {
  const dir = project(chain, { "src/a.txt": "a\n" });
  let stderr = "";
  let step = 0;
  const steps: (() => void)[] = [
    // Watching after the first pass: a save that changes nothing, then an edit.
    () => {
      write(dir, "src/a.txt", "a\n");
      setTimeout(() => write(dir, "src/a.txt", "a\nb\n"), 600);
    },
    // After the second pass: a broken task file…
    () => writeFileSync(join(dir, "tasks.json"), '{"tasks": ['),
    // …that is fixed with another command for count.
    () => writeTasks(dir, [chain[0], { ...chain[1], arguments: chain[1].arguments + " && true" }]),
  ];
  const result = await runCli([join(dir, "tasks.json"), "--watch"], {
    cwd: dir,
    onStderr: (text, child) => {
      stderr += text;
      const watching = stderr.match(/watching for changes/g)?.length ?? 0;
      if (step < watching && step < steps.length && (step !== 2 || /nothing was run/.test(stderr))) {
        steps[step++]();
      } else if (watching === 4 && step === 3) {
        step++;
        sendSignal(child.pid!, "SIGINT");
      }
    },
  });
  assert.equal(result.code, 130, result.stdout + result.stderr);
  const passes = result.stdout.split(/\nChanged: /);
  assert.equal(passes.length, 3, result.stdout);
  assert.match(passes[0], /Started: gen[^]*Started: count/);
  assert.match(passes[1], /^src\/a\.txt\n/);
  assert.match(passes[1], /Started: gen[^]*Started: count/);
  assert.match(result.stderr, /tasks\.json:1:\d+: invalid JSON[^]*the next save runs it again/);
  assert.match(passes[2], /^tasks\.json\n/);
  assert.match(passes[2], /Up to date: gen\n/);
  assert.match(passes[2], /Started: count\n/);
  // Stopped between passes: the last pass's report once more, at the end.
  assert.match(result.stdout, /Report:\n[^]*1 ok, 1 up to date, 0 failed, 0 skipped in [\d.]+ s\n$/);
});

test("--watch needs a file and no --dry-run", async () => {
  const dir = project(chain, { "src/a.txt": "a\n" });
  const stdin = await runCli(["-", "--watch"], { cwd: dir, stdin: "{}" });
  assert.equal(stdin.code, 2);
  assert.match(stdin.stderr, /--watch needs a task file, not stdin/);
  const dry = await runCli([join(dir, "tasks.json"), "--watch", "--dry-run"], { cwd: dir });
  assert.equal(dry.code, 2);
  assert.match(dry.stderr, /leave out --dry-run/);
});
