/**
 * The FFI spawn's own pitfalls (`src/spawn/ffi.ts`). What it shares with the default path (groups,
 * timeouts, Ctrl-C, refusals, output) is tested by the whole suite, which takes the FFI path
 * wherever it passes its self-test (`deno task test:ffi` forces it on the spawn, controls, faults
 * and output tests), and `deno task test:spawn-default` runs those files again on the default path.
 *
 * @module
 */
import assert from "node:assert/strict";
import { spawn as nodeSpawn, spawnSync } from "node:child_process";
import { chmodSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { test } from "node:test";
import { epollLayout, openLibc } from "../src/spawn/libc.ts";
import { loadFfiSpawn, spawnShell as ffiSpawn } from "../src/spawn/ffi.ts";
import type { ShellExit, ShellOptions } from "../src/spawn/mod.ts";
import { isDeno, tempDir } from "./_helpers.ts";

/** Why these tests cannot run here (not Deno on Linux with glibc), or false. */
const libc = isDeno && process.platform === "linux" ? openLibc() : "not Deno on Linux";
const skip = typeof libc === "string" ? libc : false;

function collect(command: string, options: Partial<ShellOptions> = {}) {
  let stdout = "";
  let stderr = "";
  const decoder = new TextDecoder();
  const proc = ffiSpawn(command, {
    onStdout: (c) => (stdout += decoder.decode(c)),
    onStderr: (c) => (stderr += decoder.decode(c)),
    ...options,
  });
  const done = Promise.all([proc.exit, proc.closed]).then(([exit]) => ({ exit, stdout, stderr }));
  return { proc, done };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(what)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

test("epoll_event layout: packed 12 bytes on x86-64, 16 with data at 8 on aarch64, unknown elsewhere", () => {
  assert.deepEqual(epollLayout("x86_64"), { size: 12, dataOffset: 4 });
  assert.deepEqual(epollLayout("aarch64"), { size: 16, dataOffset: 8 });
  assert.equal(epollLayout("riscv64"), undefined);
});

test("the self-test passes where libc can be opened", { skip }, async () => {
  assert.equal(typeof await loadFfiSpawn(), "function");
});

test("the child leads its own session and group; stdin is /dev/null", { skip }, async () => {
  const { proc, done } = collect("ps -o sid=,pgid= -p $$; readlink /proc/$$/fd/0");
  const { exit, stdout } = await done;
  assert.deepEqual(exit, { code: 0, signal: null });
  const [ids, stdin] = stdout.trim().split("\n");
  assert.deepEqual(ids.trim().split(/\s+/).map(Number), [proc.pid, proc.pid]);
  assert.equal(stdin, "/dev/null");
});

test(
  "signals are at their defaults: `yes | head -1` ends as in a shell, nothing blocked",
  { skip },
  async () => {
    // The shell's masks as its `exec` hands them on: read from /proc/$$ while the shell waits for
    // grep, they may show every signal blocked, for dash blocks them all around its wait.
    const { done } = collect("yes | head -1; exec grep -E '^Sig(Blk|Ign)' /proc/self/status");
    const { exit, stdout } = await withTimeout(done, 20_000, "yes | head -1 never ended: SIGPIPE is ignored");
    assert.equal(exit.code, 0);
    const [first, blocked, ignored] = stdout.trim().split("\n");
    assert.equal(first, "y");
    assert.match(blocked, /^SigBlk:\s+0+$/);
    // Only glibc's internal 32 and 33, which every posix_spawn child has ignored.
    assert.match(ignored, /^SigIgn:\s+0*(180000000)?$/);
  },
);

test("no fd of dagrun's leaks into a task, not even one opened without O_CLOEXEC", { skip }, async () => {
  assert.ok(typeof libc !== "string");
  const F_DUPFD = 0;
  const leaky = libc.fn.fcntl(2, F_DUPFD, 200);
  assert.ok(leaky >= 200, "an fd without O_CLOEXEC");
  try {
    const { exit, stdout } = await collect("ls /proc/$$/fd").done;
    assert.equal(exit.code, 0);
    assert.deepEqual(stdout.trim().split("\n").map(Number).sort((a, b) => a - b), [0, 1, 2]);
  } finally {
    libc.fn.close(leaky);
  }
});

test("reaps only its own children: Deno.Command's children keep their exit status", { skip }, async () => {
  type Cmd = new (p: string, o: unknown) => { spawn(): { status: Promise<{ code: number }> } };
  const Command = (globalThis as unknown as { Deno: { Command: Cmd } }).Deno.Command;
  // Deno's children end while FFI children are being reaped all around them.
  const theirs = Array.from(
    { length: 5 },
    (_, i) => new Command("sh", { args: ["-c", `sleep 0.${i + 1}; exit ${i + 10}`] }).spawn().status,
  );
  const ours = Array.from({ length: 50 }, (_, i) => collect(`sleep 0.0${i % 10}; exit ${i % 7}`).done);
  assert.deepEqual((await Promise.all(theirs)).map((s) => s.code), [10, 11, 12, 13, 14]);
  assert.deepEqual((await Promise.all(ours)).map((r) => r.exit.code), ours.map((_, i) => i % 7));
});

test("PATH is resolved on the task's environment; env and cwd are the task's", { skip }, async () => {
  const bin = tempDir();
  const work = tempDir();
  writeFileSync(join(bin, "greet"), '#!/bin/sh\necho "hello $WHO from $(pwd)"\n');
  chmodSync(join(bin, "greet"), 0o755);
  const { exit, stdout } = await collect("greet", {
    env: { PATH: `${bin}:${process.env.PATH}`, WHO: "task" },
    cwd: work,
  }).done;
  assert.deepEqual(exit, { code: 0, signal: null });
  assert.equal(stdout, `hello task from ${work}\n`);
  // Without the task's PATH the program is not found (the shell says so), and WHO is unset.
  const plain = await collect('greet; echo "[$WHO]"').done;
  assert.equal(plain.exit.code, 0);
  assert.match(plain.stderr, /greet: not found/);
  assert.equal(plain.stdout, "[]\n");
});

test("a cwd that does not exist is refused at spawn, as Deno.Command does", { skip }, () => {
  assert.throws(() => collect("true", { cwd: join(tempDir(), "missing") }), { code: "ENOENT" });
});

test("each task's output reaches its own sink while fds are reused all the time", { skip }, async () => {
  const runs = Array.from({ length: 300 }, (_, i) => collect(`echo ${i} $$; echo ${i} >&2`));
  const results = await Promise.all(runs.map((r) => r.done));
  results.forEach((r, i) => {
    assert.equal(r.stdout, `${i} ${runs[i].proc.pid}\n`);
    assert.equal(r.stderr, `${i}\n`);
  });
});

/** The system calls behind glibc's `epoll_wait` and `tgkill`, by architecture. */
const SYSCALLS: Record<string, { epollWait: number; tgkill: number }> = {
  x86_64: { epollWait: 232, tgkill: 234 },
  aarch64: { epollWait: 22, tgkill: 131 },
};

test(
  "a signal that interrupts the epoll_wait itself (EINTR) loses no exit and no byte",
  { skip },
  async () => {
    type Ffi = {
      build: { arch: string };
      addSignalListener(s: string, f: () => void): void;
      removeSignalListener(s: string, f: () => void): void;
      dlopen(path: string, s: unknown): { symbols: { syscall(...a: number[]): number | bigint } };
    };
    const deno = (globalThis as unknown as { Deno: Ffi }).Deno;
    const numbers = SYSCALLS[deno.build.arch];
    const { syscall } = deno.dlopen("libc.so.6", {
      syscall: { parameters: ["i64", "i64", "i64", "i64"], result: "i64" },
    }).symbols;
    // The thread blocked in epoll_wait, found through /proc: the kernel would hand a signal sent to
    // the process to the main thread, which never waits in epoll.
    const epollThreads = () =>
      readdirSync("/proc/self/task").filter((tid) => {
        try {
          return readFileSync(`/proc/self/task/${tid}/syscall`, "utf8").split(" ")[0] ===
            String(numbers.epollWait);
        } catch {
          return false;
        }
      });
    let received = 0;
    const count = () => received++;
    deno.addSignalListener("SIGUSR1", count);
    let aimed = 0;
    const storm = setInterval(() => {
      for (const tid of epollThreads()) {
        if (Number(syscall(numbers.tgkill, process.pid, Number(tid), 10 /* SIGUSR1 */)) === 0) aimed++;
      }
    }, 2);
    try {
      const results = await Promise.all(
        Array.from(
          { length: 60 },
          (_, i) => collect(`sleep 0.${i % 5}; seq 1 ${i * 100}; exit ${i % 3}`).done,
        ),
      );
      results.forEach((r, i) => {
        assert.equal(r.exit.code, i % 3);
        assert.equal(r.stdout.split("\n").length - 1, i * 100);
      });
    } finally {
      clearInterval(storm);
      deno.removeSignalListener("SIGUSR1", count);
    }
    assert.ok(aimed > 0 && received > 0, `signals sent to the epoll thread: ${aimed}, handled: ${received}`);
  },
);

test("an in-flight wait does not keep dagrun alive: a script ends though a grandchild holds the pipe", {
  skip,
}, () => {
  // The task exits at once but leaves `sleep 30` holding its stdout; the script stops reading then.
  const script = join(tempDir(), "script.ts");
  writeFileSync(
    script,
    `import { spawnShell } from ${JSON.stringify(new URL("../src/spawn/ffi.ts", import.meta.url).href)};
const p = spawnShell("sleep 30 & echo started", { onStdout: (c) => Deno.stdout.writeSync(c), onStderr() {} });
const exit = await p.exit;
p.stopReading();
p.kill("SIGKILL");
console.log(JSON.stringify(exit));
`,
  );
  const started = Date.now();
  const result = spawnSync(process.execPath, ["run", "-A", script], { encoding: "utf8", timeout: 25_000 });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout, `started\n${JSON.stringify({ code: 0, signal: null } satisfies ShellExit)}\n`);
  assert.ok(Date.now() - started < 20_000, "ended long before the grandchild would have");
});

test(
  "DAGRUN_SPAWN picks the path; ffi without the FFI permission is refused with the reason",
  { skip },
  async () => {
    const script = join(tempDir(), "choose.ts");
    writeFileSync(
      script,
      `import { chooseSpawn } from ${JSON.stringify(new URL("../src/spawn/mod.ts", import.meta.url).href)};
chooseSpawn().then((c) => console.log(c.path + ": " + c.reason), (e) => console.log("error: " + e.message));`,
    );
    const choose = (env: string | undefined, perms: string[]) =>
      new Promise<string>((resolve) => {
        const child = nodeSpawn(process.execPath, ["run", ...perms, script], {
          env: { ...process.env, DAGRUN_SPAWN: env ?? "" },
        });
        let out = "";
        child.stdout!.on("data", (c) => (out += c));
        child.once("close", () => resolve(out.trim()));
      });
    const all = ["--allow-all"];
    const noFfi = ["--allow-read", "--allow-env", "--allow-run"];
    assert.match(await choose(undefined, all), /^ffi: /);
    assert.match(await choose("ffi", all), /^ffi: DAGRUN_SPAWN=ffi$/);
    assert.equal(await choose("default", all), "deno: DAGRUN_SPAWN=default");
    assert.match(await choose(undefined, noFfi), /^deno: no FFI permission/);
    assert.match(
      await choose("ffi", noFfi),
      /^error: DAGRUN_SPAWN=ffi, but the FFI spawn cannot be used: no FFI permission/,
    );
    assert.match(await choose("fast", all), /^error: DAGRUN_SPAWN must be "ffi" or "default", not "fast"/);
  },
);

test(
  "back-pressure: while the sink's promise is pending the pipe is not read and the child blocks",
  { skip },
  async () => {
    let calls = 0;
    let bytes = 0;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const proc = ffiSpawn("head -c 1000000 /dev/zero; echo done >&2", {
      onStdout: (chunk) => {
        bytes += chunk.length;
        if (++calls === 1) return held;
      },
      onStderr: () => {},
    });
    let exited = false;
    proc.exit.then(() => (exited = true));
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(calls, 1, "no chunk is passed on while the first one is held");
    assert.equal(exited, false, "the child is blocked on its full pipe");
    release();
    assert.deepEqual(await proc.exit, { code: 0, signal: null });
    await proc.closed;
    assert.equal(bytes, 1_000_000);
  },
);

test("back-pressure: stopReading ends a paused pipe at once", { skip }, async () => {
  const proc = ffiSpawn("head -c 1000000 /dev/zero", {
    onStdout: () => new Promise(() => {}),
    onStderr: () => {},
  });
  await new Promise((resolve) => setTimeout(resolve, 200));
  proc.stopReading();
  await withTimeout(proc.closed, 5_000, "closed never settled");
  // The child gets EPIPE (SIGPIPE) once nobody reads its pipe.
  assert.deepEqual(await withTimeout(proc.exit, 5_000, "the child never ended"), {
    code: null,
    signal: "SIGPIPE",
  });
});
