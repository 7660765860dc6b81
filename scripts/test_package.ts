/**
 * The install test: packs the npm build as it would be published, installs the tarball into a
 * fresh folder and uses it as a user would get it:
 *
 * - `npx dagrun examples/example.json` (through npm's bin link) prints what the Deno CLI prints;
 * - `npx dagrun --version` names the built version;
 * - Ctrl-C on `npx dagrun` stops the task's process tree and prints the report;
 * - a TypeScript program that imports `run` from "dagrun" type-checks against the published
 *   declarations, and, compiled and run on Node, gets the expected report.
 *
 * The tarball's dependencies come from the npm registry (or npm's cache).
 *
 * Usage: `deno task test:package`
 *
 * @module
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import process from "node:process";
import { VERSION } from "../src/version.ts";
import { isAlive, waitFor } from "../tests/_helpers.ts";
import { buildNpm, outDir, root } from "./build_npm.ts";

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts a command and collects its output; `onStdout` sees the output so far as it grows. */
function start(
  command: string,
  args: string[],
  cwd: string,
  options: { detached?: boolean; onStdout?: (stdout: string) => void } = {},
): { child: ChildProcess; done: Promise<Result> } {
  const child = spawn(command, args, { cwd, detached: options.detached, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (t: string) => {
    stdout += t;
    options.onStdout?.(stdout);
  });
  child.stderr!.setEncoding("utf8").on("data", (t: string) => (stderr += t));
  const done = new Promise<Result>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

/** Runs a command to its end; unless `check` is false, throws when it does not exit 0. */
async function sh(command: string, args: string[], cwd: string, check = true): Promise<Result> {
  const result = await start(command, args, cwd).done;
  if (check && result.code !== 0) {
    throw new Error(`${command} ${args.join(" ")} exited ${result.code}\n${result.stdout}${result.stderr}`);
  }
  return result;
}

/**
 * The lines of a run's terminal output with durations blanked and sorted: tasks that start or end
 * in the same instant may print in either order, everything else must match. The critical path's
 * "(started N ms after it could)" note goes too: it appears once a start lags by 10 ms, which a
 * loaded machine decides, not the runtime.
 */
function normalized(output: string): string[] {
  // The critical path, printed last, is the chain that happened to end last: in the example task2
  // (then task8) and task6 end within milliseconds of each other, so either may be on it.
  const path = output.indexOf("\nCritical path: ");
  assert.ok(path >= 0, `a critical path at the end:\n${output}`);
  return output.slice(0, path).replace(/ +\d+(\.\d+)? m?s\b/g, " <time>")
    .split("\n").sort();
}

/** A task file for the user's program: one of each outcome. */
const CONSUMER_TASKS = {
  tasks: [
    { name: "hello", type: "exec", arguments: "echo hello from sh" },
    { name: "sum", type: "eval", arguments: "console.log(1 + 2)", dependencies: ["hello"] },
    { name: "bad", type: "exec", arguments: "exit 3" },
    { name: "after-bad", type: "exec", arguments: "echo never", dependencies: ["bad"] },
  ],
};

/**
 * A user's program: typed use of the public API as the README shows it (a task file loaded and
 * run; a plain task list), printing what the test then checks.
 */
const CONSUMER = `
import { createRequire } from "node:module";
import { loadTaskFile, type RunEvent, run, TaskFileError, VERSION } from "dagrun";

const file = await loadTaskFile("tasks.json");
const output: Record<string, string> = {};
const report = await run(file.graph, {
  concurrency: 4,
  onEvent: (e: RunEvent) => {
    if (e.type === "output") output[e.task.name] = (output[e.task.name] ?? "") + new TextDecoder().decode(e.data);
  },
});
let cycle = "";
try {
  await run([{ name: "a", type: "exec", arguments: "true", dependencies: ["a"] }]);
} catch (e) {
  cycle = e instanceof TaskFileError ? "TaskFileError" : String(e);
}
const schema = createRequire(import.meta.url)("dagrun/schema.json");
console.log(JSON.stringify({ VERSION, report, output, cycle, schemaTitle: typeof schema.title }));
`;

/**
 * Ctrl-C in a terminal signals the whole foreground process group: here npm exec, its shell and
 * dagrun. dagrun must still stop its task's process tree and print the report. npx itself then ends
 * by SIGINT, not with dagrun's 130: npm runs the bin through `sh -c`, which got the SIGINT too and
 * re-raises it once dagrun has exited, and npm does the same (the Node suite checks the 130 of
 * `node npm/cli.js`).
 */
async function ctrlC(app: string) {
  const pidFile = join(app, "grandchild.pid");
  const tasks = [
    { name: "long", type: "exec", arguments: `sleep 100 & echo $! > ${pidFile}; wait` },
    { name: "after", type: "exec", arguments: "echo never", dependencies: ["long"] },
  ];
  writeFileSync(join(app, "long.json"), JSON.stringify({ tasks }));
  let started = false;
  const { child, done } = start("npx", ["--no-install", "dagrun", "long.json"], app, {
    detached: true,
    onStdout: (out) => (started = out.includes("Started: long")),
  });
  const pid = () => existsSync(pidFile) ? Number(readFileSync(pidFile, "utf8")) : 0;
  try {
    assert.ok(await waitFor(() => started && pid() > 0, 30_000), "the task started");
    assert.ok(isAlive(pid()));
    process.kill(-child.pid!, "SIGINT");
    const result = await done;
    const how = `${result.code ?? result.signal}\n${result.stdout}${result.stderr}`;
    assert.ok(result.code === 130 || result.signal === "SIGINT", `npx ended by ${how}`);
    assert.match(result.stdout, /^ {2}long +failed .*interrupted/m);
    assert.match(result.stdout, /\(interrupted\)$/m);
    assert.match(result.stdout, /^ {2}after +skipped/m);
    assert.ok(await waitFor(() => !isAlive(pid()), 5000), "the task's grandchild is stopped");
  } finally {
    // After a failed check, leave nothing running.
    for (const target of [-child.pid!, pid()]) {
      try {
        if (target) process.kill(target, "SIGKILL");
      } catch { /* gone, as it should be */ }
    }
  }
}

if (import.meta.main) {
  buildNpm({ dryRunPack: false });
  const dir = mkdtempSync(join(tmpdir(), "dagrun-package-"));
  try {
    const pack = await sh("npm", ["pack", "--json", "--pack-destination", dir], outDir);
    const tarball = join(dir, JSON.parse(pack.stdout)[0].filename);
    const files: string[] = JSON.parse(pack.stdout)[0].files.map((f: { path: string }) => f.path);
    assert.ok(!files.some((f) => f.startsWith("tests/")), "the compiled tests are not published");
    for (const f of ["cli.js", "mod.js", "mod.d.ts", "README.md", "LICENSE", "schema/tasks.schema.json"]) {
      assert.ok(files.includes(f), `the package holds ${f}`);
    }

    const app = join(dir, "app");
    mkdirSync(app);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
    await sh("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball], app);
    console.log(`installed ${tarball} into ${app}`);

    const version = await sh("npx", ["--no-install", "dagrun", "--version"], app);
    assert.equal(version.stdout, `dagrun ${VERSION}\n`);

    // Both CLIs run the example in the same folder at once (its task1 lists the folder).
    const example = join(root, "examples/example.json");
    const [node, deno] = await Promise.all([
      sh("npx", ["--no-install", "dagrun", example], app, false),
      sh(process.execPath, ["run", "--allow-all", join(root, "cli.ts"), example], app, false),
    ]);
    assert.equal(node.code, 1, `npx dagrun exits 1 (task6 fails)\n${node.stdout}${node.stderr}`);
    assert.equal(deno.code, 1, `deno run cli.ts exits 1\n${deno.stdout}${deno.stderr}`);
    assert.equal(node.stderr, deno.stderr);
    assert.deepEqual(normalized(node.stdout), normalized(deno.stdout));
    assert.match(node.stdout, /^9 tasks: 7 ok, 1 failed, 1 skipped in \d+\.\d\d s$/m);
    console.log("npx dagrun examples/example.json: same output as deno run cli.ts");

    await ctrlC(app);
    console.log("Ctrl-C on npx dagrun: report printed, the task's grandchild stopped");

    writeFileSync(join(app, "tasks.json"), JSON.stringify(CONSUMER_TASKS));
    writeFileSync(join(app, "consumer.ts"), CONSUMER);
    const tsc = join(root, "node_modules/typescript/bin/tsc");
    await sh("node", [
      tsc,
      ...["--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022", "--strict"],
      ...["--typeRoots", join(root, "node_modules/@types"), "--types", "node", "consumer.ts"],
    ], app);
    const consumer = JSON.parse((await sh("node", ["consumer.js"], app)).stdout);
    assert.equal(consumer.VERSION, VERSION);
    assert.equal(consumer.report.ok, false);
    const status = Object.fromEntries(
      consumer.report.tasks.map((t: { name: string; status: string }) => [t.name, t.status]),
    );
    assert.deepEqual(status, { hello: "ok", sum: "ok", bad: "failed", "after-bad": "skipped" });
    assert.equal(consumer.report.tasks.find((t: { name: string }) => t.name === "bad").exitCode, 3);
    assert.deepEqual(consumer.output, { hello: "hello from sh\n", sum: "3\n" });
    assert.equal(consumer.cycle, "TaskFileError");
    assert.equal(consumer.schemaTitle, "string");
    console.log(`import { loadTaskFile, run } from "dagrun": type-checks and reports as expected`);
    console.log(`ok: ${basename(tarball)} works as installed`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
