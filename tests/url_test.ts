/**
 * dagrun used as a Deno user uses it from a web server: the working tree served over HTTP on
 * 127.0.0.1, a fresh `DENO_DIR` (so nothing comes from an earlier run's cache), and every command run
 * in a folder outside the project (so neither our deno.json nor our node_modules is found). npm
 * packages come from the npm registry. Deno only: Node cannot run modules from a URL.
 *
 * @module
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize } from "node:path";
import process from "node:process";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { isDeno, tempDir } from "./_helpers.ts";

const skip = !isDeno && "Node runs dagrun from its npm package, not from a URL";

const root = fileURLToPath(new URL("..", import.meta.url));

const TYPES: Record<string, string> = {
  ".ts": "application/typescript; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
};

let server: Server;
let base = "";
let denoDir = "";
let home = "";

before(async () => {
  if (skip) return;
  // A static host: the tree as it is, with the content types a CDN or raw.githubusercontent.com gives.
  server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url!, "http://x").pathname));
    const file = join(root, path);
    if (!file.startsWith(root) || !existsSync(file) || !TYPES[extname(file)]) {
      res.writeHead(404).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] }).end(readFileSync(file));
  });
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  denoDir = tempDir();
  home = tempDir();
});

after(() => server?.close());

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `deno ARGS` in a folder of its own outside the project, with the fresh DENO_DIR. */
function deno(args: string[], cwd = home, command = process.execPath): Promise<Result> {
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, DENO_DIR: denoDir, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (t: string) => (stdout += t));
  child.stderr.setEncoding("utf8").on("data", (t: string) => (stderr += t));
  const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** exec and eval tasks: one fails, its dependent is skipped, the rest succeed. */
const TASKS = {
  tasks: [
    { name: "hello", type: "exec", arguments: "echo hello from exec" },
    { name: "sum", type: "eval", arguments: "console.log('sum', 20 + 22)", dependencies: ["hello"] },
    { name: "broken", type: "eval", arguments: "throw new Error('on purpose')" },
    { name: "after", type: "exec", arguments: "echo never", dependencies: ["broken"] },
  ],
};

function writeTasks(): string {
  const path = join(home, "tasks.json");
  writeFileSync(path, JSON.stringify(TASKS));
  return path;
}

function reportLines(stdout: string): string[] {
  return stdout.split("\n").filter((l) => /^ {2}\S+ +(ok|failed|skipped) /.test(l))
    .map((l) => l.trim().split(/ +/).slice(0, 2).join(" "));
}

for (const isolation of ["inline", "worker"]) {
  test(
    `deno run -A <url>/cli.ts --eval-isolation ${isolation}: exec and eval tasks run`,
    { skip },
    async () => {
      const file = writeTasks();
      const { code, stdout, stderr } = await deno(
        ["run", "-A", `${base}/cli.ts`, "--eval-isolation", isolation, file],
      );
      assert.equal(code, 1, stderr);
      assert.match(stdout, /^\[hello\] hello from exec$/m);
      assert.match(stdout, /^\[sum\] sum 42$/m);
      assert.match(stderr, /^\[broken\] Error: on purpose$/m);
      assert.doesNotMatch(stdout, /never/);
      assert.deepEqual(reportLines(stdout.slice(stdout.indexOf("Report:"), stdout.indexOf("Failed:"))), [
        "hello ok",
        "sum ok",
        "broken failed",
        "after skipped",
      ]);
      assert.match(stdout, /4 tasks: 2 ok, 1 failed, 1 skipped/);
      const npmCache = join(denoDir, "npm", "registry.npmjs.org");
      assert.ok(existsSync(join(npmCache, "jsonc-parser")), "the npm cache is where this test looks");
      for (const remoteOnly of ["bullmq", "ioredis"]) {
        assert.ok(!existsSync(join(npmCache, remoteOnly)), `a local run fetched ${remoteOnly}`);
      }
    },
  );
}

test(
  "a Deno program outside the project imports <url>/mod.ts, loads a task file and runs it",
  { skip },
  async () => {
    const program = join(home, "program.ts");
    writeFileSync(
      program,
      `import { loadTaskFile, parseTaskFile, run, VERSION } from "${base}/mod.ts";
const file = await loadTaskFile(${JSON.stringify(writeTasks())});
const report = await run(file.graph, { concurrency: 2 });
console.log(report.tasks.map((t) => t.name + "=" + t.status).join(" "));
console.log(parseTaskFile('{"tasks":[]}').tasks.length, VERSION);
`,
    );
    const { code, stdout, stderr } = await deno(["run", "-A", program]);
    assert.equal(code, 0, stderr);
    const version = readFileSync(join(root, "src/version.ts"), "utf8").match(/"(.+)"/)![1];
    assert.equal(stdout.split("\n").at(-3), "hello=ok sum=ok broken=failed after=skipped");
    assert.equal(stdout.split("\n").at(-2), `0 ${version}`);
  },
);

test("deno install -g -A -n dagrun <url>/cli.ts gives a working dagrun command", { skip }, async () => {
  const installRoot = tempDir();
  const installed = await deno([
    "install",
    "-g",
    "-A",
    "-n",
    "dagrun",
    "--root",
    installRoot,
    `${base}/cli.ts`,
  ]);
  assert.equal(installed.code, 0, installed.stderr);
  const dagrun = join(installRoot, "bin", "dagrun");
  const version = await deno(["--version"], home, dagrun);
  assert.match(version.stdout, /^dagrun \d+\.\d+\.\d+/);
  const { code, stdout, stderr } = await deno(["--eval-isolation", "worker", writeTasks()], home, dagrun);
  assert.equal(code, 1, stderr);
  assert.match(stdout, /4 tasks: 2 ok, 1 failed, 1 skipped/);
});
