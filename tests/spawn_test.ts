import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import process from "node:process";
import { directCommand } from "../src/spawn/direct.ts";
import { chooseSpawn, spawnShell } from "../src/spawn/mod.ts";
import { isAlive, tempDir, waitFor } from "./_helpers.ts";

// The path DAGRUN_SPAWN picks (the FFI one or the default), as a run would.
await chooseSpawn();

function collect(command: string) {
  let stdout = "";
  let stderr = "";
  const decoder = new TextDecoder();
  const proc = spawnShell(command, {
    onStdout: (c) => (stdout += decoder.decode(c)),
    onStderr: (c) => (stderr += decoder.decode(c)),
  });
  return { proc, out: () => stdout, err: () => stderr };
}

/** Field `n` (1-based, as in proc(5)) of /proc/PID/stat. */
function statField(pid: number, n: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[n - 3];
}

test("the shell leads its own process group, with stdin empty", async () => {
  const { proc, out } = collect("cat; ps -o pgid= -p $$; readlink /proc/$$/fd/0");
  const exit = await proc.exit;
  await proc.closed;
  assert.deepEqual(exit, { code: 0, signal: null });
  const [pgid, stdin] = out().trim().split("\n").map((s) => s.trim());
  assert.equal(Number(pgid), proc.pid, "process group id is the shell's pid");
  assert.equal(stdin, "/dev/null");
});

test("stdout and stderr arrive separately and completely", async () => {
  const { proc, out, err } = collect("seq 1 20000; echo to-err >&2");
  await proc.exit;
  await proc.closed;
  assert.equal(out().split("\n").length - 1, 20000);
  assert.equal(out().split("\n")[19999], "20000");
  assert.equal(err(), "to-err\n");
});

test("kill reaches the whole group: grandchildren die with the shell", async () => {
  const pids = join(tempDir(), "pids");
  const { proc } = collect(`sleep 100 & echo $! >> ${pids}; (sleep 100; true) & echo $! >> ${pids}; wait`);
  assert.ok(
    await waitFor(() => {
      try {
        return readFileSync(pids, "utf8").trim().split("\n").length === 2;
      } catch {
        return false;
      }
    }),
  );
  const children = readFileSync(pids, "utf8").trim().split("\n").map(Number);
  assert.ok(
    children.every((pid) => statField(pid, 5) === String(proc.pid)),
    "grandchildren are in the group",
  );
  proc.kill("SIGTERM");
  const exit = await proc.exit;
  assert.equal(exit.signal, "SIGTERM");
  assert.ok(await waitFor(() => children.every((pid) => !isAlive(pid)), 3000), "no grandchild survives");
});

test("exit code and death by signal are reported", async () => {
  assert.deepEqual(await collect("exit 3").proc.exit, { code: 3, signal: null });
  assert.deepEqual(await collect("kill -KILL $$").proc.exit, { code: null, signal: "SIGKILL" });
});

test("kill reaches a group whose shell has exited, and is no error once the group is gone", async () => {
  const { proc, out } = collect("sleep 100 >/dev/null 2>&1 & echo $!");
  assert.deepEqual(await proc.exit, { code: 0, signal: null });
  await proc.closed;
  const orphan = Number(out().trim());
  assert.ok(isAlive(orphan), "the background sleep outlived its shell");
  assert.doesNotThrow(() => proc.kill("SIGTERM"));
  assert.ok(await waitFor(() => !isAlive(orphan), 3000), "the leftover member got the signal");
  assert.doesNotThrow(() => proc.kill("SIGKILL"), "the group is gone now");
});

test("a simple command runs without a shell, as the leader of its own group", async () => {
  const { proc } = collect("sleep 5");
  assert.ok(await waitFor(() => readFileSync(`/proc/${proc.pid}/comm`, "utf8").trim() === "sleep", 3000));
  assert.equal(statField(proc.pid, 5), String(proc.pid), "its process group is its own");
  proc.kill("SIGTERM");
  assert.deepEqual(await proc.exit, { code: null, signal: "SIGTERM" });
});

test("what the shell would treat specially still goes through it, and so does a missing program", async () => {
  const home = collect("echo ~");
  await home.proc.exit;
  await home.proc.closed;
  assert.equal(home.out(), `${process.env.HOME}\n`, "tilde expanded");
  const missing = collect("no-such-program-dagrun arg");
  assert.equal((await missing.proc.exit).code, 127);
  await missing.proc.closed;
  assert.match(missing.err(), /not found/, "the shell's own message");
});

test("directCommand: plain words and a program on PATH only", () => {
  const path = "/usr/bin:/bin";
  assert.deepEqual(directCommand("sleep 0.1", path), [realSleep(path), ["0.1"]]);
  assert.deepEqual(directCommand("ls -la --color=never x.txt", path)?.[1], ["-la", "--color=never", "x.txt"]);
  for (
    const command of [
      "sleep 0.1 && true", // operators
      "sleep $X", // expansion
      "echo hi", // builtin
      "cd /tmp", // builtin
      "X=1 sleep 1", // assignment
      "ls *.ts", // glob
      "ls 'a b'", // quotes
      "sleep  1", // two spaces: kept for the shell, whose splitting is the reference
      "./script.sh", // a path
      "no-such-program-dagrun", // not found
      "sleep 1 # comment",
    ]
  ) {
    assert.equal(directCommand(command, path), undefined, command);
  }
});

function realSleep(path: string): string {
  for (const dir of path.split(":")) {
    try {
      readFileSync(`${dir}/sleep`);
      return `${dir}/sleep`;
    } catch { /* next */ }
  }
  throw new Error("no sleep on PATH");
}
