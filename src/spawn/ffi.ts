/**
 * Spawning on Linux through glibc's `posix_spawn`, called with Deno's FFI: the fast path.
 *
 * `Deno.Command` cannot make a child the leader of its own process group without either forking
 * the whole Deno process (`detached`) or exec'ing `setsid` first, which more than doubles the cost
 * of a short task (see `deno.ts`). `posix_spawn` with `POSIX_SPAWN_SETSID` does it in the vfork'd
 * child, as ninja does. The children's pipes and pidfds are read through one epoll set
 * (`epoll.ts`) on the main thread.
 *
 * What the child gets, and why:
 * - every signal at its default disposition and none blocked (`SETSIGDEF`, `SETSIGMASK`): Deno
 *   ignores SIGPIPE, and an ignored signal survives exec, so `yes | head -1` would never end;
 * - stdin `/dev/null`, stdout and stderr pipes, and no other fd: everything dagrun opens is
 *   O_CLOEXEC and `addclosefrom_np(3)` closes whatever else might be inherited;
 * - the task's environment as an envp (dagrun's own `environ` when the task adds nothing), the
 *   program resolved on that environment's PATH in JS (`posix_spawn`, not `spawnp`), and the
 *   task's cwd through `addchdir_np`.
 *
 * A child is reaped by its pid once its pidfd is readable, never with `waitpid(-1)`, which would
 * take the children `Deno.Command` waits for.
 *
 * @module
 */
import process from "node:process";
import { directCommand } from "./direct.ts";
import { readSmallTextSync } from "../runtime/fs.ts";
import { Poller } from "./epoll.ts";
import { C, type Libc, OPAQUE_SIZE, openLibc, SIGNAL_NAMES, systemError } from "./libc.ts";
import type { ShellExit, ShellOptions, ShellProcess } from "./types.ts";
import { intrinsics } from "../intrinsics.ts";

const { Promise, TextEncoder, TextDecoder } = intrinsics;

/** Bytes read from a pipe per readiness report: a pipe's default capacity. */
const READ_SIZE = 65536;

/** The oldest glibc with everything used here: `posix_spawn_file_actions_addchdir_np`. */
const MIN_GLIBC: [number, number] = [2, 29];

/**
 * Signals 32 and 33, glibc's own (thread cancellation, setxid): its `posix_spawn` leaves them
 * ignored in every child, whatever the attributes say (ninja's children too). No program can use
 * them through glibc, whose SIGRTMIN is 34.
 */
const GLIBC_INTERNAL = 0x180000000n;

/** The FFI spawn's state, made by {@linkcode loadFfiSpawn}. */
interface State {
  libc: Libc;
  poller: Poller;
  attr: Uint8Array;
  devNull: Uint8Array;
  fds: Uint8Array;
  fdsView: Int32Array;
  pid: Int32Array;
  status: Int32Array;
  readBuf: Uint8Array;
}

let state: State | undefined;

/**
 * Opens libc and checks everything the FFI spawn needs except the self-test: Linux on x86-64 or
 * aarch64, `Deno.dlopen` allowed, glibc ≥ 2.29. Returns why not, or `undefined` when it can be used.
 */
function prepare(): string | undefined {
  if (state) return undefined;
  const libc = openLibc();
  if (typeof libc === "string") return libc;
  const { fn, version } = libc;
  if (version[0] < MIN_GLIBC[0] || (version[0] === MIN_GLIBC[0] && version[1] < MIN_GLIBC[1])) {
    return `glibc ${version.join(".")} is older than ${MIN_GLIBC.join(".")}`;
  }
  if (!fn.posix_spawn_file_actions_addchdir_np) return "libc has no posix_spawn_file_actions_addchdir_np";
  const attr = opaque();
  const all = opaque();
  const none = opaque();
  fn.sigfillset(all);
  fn.sigemptyset(none);
  if (
    fn.posix_spawnattr_init(attr) ||
    fn.posix_spawnattr_setflags(
      attr,
      C.POSIX_SPAWN_SETSID | C.POSIX_SPAWN_SETSIGDEF | C.POSIX_SPAWN_SETSIGMASK,
    ) ||
    fn.posix_spawnattr_setsigdefault(attr, all) ||
    fn.posix_spawnattr_setsigmask(attr, none)
  ) return "posix_spawnattr_* failed";
  const fds = new Uint8Array(new ArrayBuffer(8));
  state = {
    libc,
    poller: new Poller(libc),
    attr,
    devNull: libc.cString("/dev/null"),
    fds,
    fdsView: new Int32Array(fds.buffer),
    pid: new Int32Array(new ArrayBuffer(4)),
    status: new Int32Array(new ArrayBuffer(4)),
    readBuf: new Uint8Array(new ArrayBuffer(READ_SIZE)),
  };
  return undefined;
}

function opaque(): Uint8Array {
  return new Uint8Array(new ArrayBuffer(OPAQUE_SIZE));
}

/**
 * The FFI spawn, once it is known to work here, or the reason it cannot be used: the checks of
 * `prepare`, then a self-test that spawns `cat /proc/self/status` and confirms that the child
 * leads its own session and process group, with no signal blocked or ignored.
 *
 * The child's status is read from /proc as soon as `posix_spawn` returns: the child has then
 * exec'd, and it is not reaped before this returns to the event loop, so it is there even if it
 * has already exited (a zombie keeps those fields). Waiting for cat's own output instead cost a
 * one-task run about 5 ms; that is the fallback when /proc cannot be read.
 *
 * @example
 * ```ts
 * import { loadFfiSpawn } from "./ffi.ts";
 * const spawn = await loadFfiSpawn();
 * console.log(typeof spawn === "string" ? `default path: ${spawn}` : "FFI path");
 * ```
 */
export async function loadFfiSpawn(): Promise<typeof spawnShell | string> {
  const why = prepare();
  if (why) return why;
  const cat = directCommand("cat /proc/self/status", process.env.PATH);
  if (!cat) return "self-test: no cat on PATH";
  let text = "";
  let proc: ShellProcess;
  try {
    proc = spawnShell("cat /proc/self/status", {
      onStdout: (chunk) => (text += new TextDecoder().decode(chunk)),
      onStderr: () => {},
    });
  } catch (e) {
    return `self-test: ${(e as Error).message}`;
  }
  const pid = String(proc.pid);
  const checks: [string, boolean][] = [];
  try {
    text = readSmallTextSync(`/proc/${pid}/status`);
    proc.exit.catch(() => {});
  } catch {
    const [exit] = await Promise.all([proc.exit, proc.closed]);
    checks.push(["exit code 0", exit.code === 0]);
  }
  const field = (name: string) => text.match(new RegExp(`^${name}:\\s*(\\S+)`, "m"))?.[1];
  checks.push(
    ["the child is the pid posix_spawn returned", field("Pid") === pid],
    ["it leads its session", field("NSsid") === pid],
    ["it leads its process group", field("NSpgid") === pid],
    ["no signal blocked", /^0+$/.test(field("SigBlk") ?? "")],
    ["no signal ignored", (BigInt(`0x${field("SigIgn") ?? "1"}`) & ~GLIBC_INTERNAL) === 0n],
  );
  const failed = checks.filter(([, ok]) => !ok).map(([what]) => what);
  return failed.length ? `self-test failed: ${failed.join(", ")}` : spawnShell;
}

/**
 * Starts `command` (in `sh -c` unless it is a simple one) with `posix_spawn`, as the leader of a
 * new session and process group, with empty stdin. Throws an error with the errno's name as
 * `code` when the system refuses (EMFILE, EAGAIN…), as `Deno.Command` does.
 *
 * @example
 * ```ts
 * import { loadFfiSpawn, spawnShell } from "./ffi.ts";
 * if (typeof await loadFfiSpawn() !== "string") {
 *   const p = spawnShell("echo hi", { onStdout: (c) => console.log(c.length), onStderr: () => {} });
 *   console.log(await p.exit); // { code: 0, signal: null }
 * }
 * ```
 */
export function spawnShell(command: string, options: ShellOptions): ShellProcess {
  const why = prepare();
  if (why) throw new Error(`the FFI spawn cannot be used: ${why}`);
  const s = state!;
  const { fn } = s.libc;
  const env = options.env ? { ...process.env, ...options.env } as Record<string, string> : undefined;
  const path = env ? env.PATH : process.env.PATH;
  const [program, args] = directCommand(command, path) ??
    [directCommand("sh", path)?.[0] ?? "/bin/sh", ["-c", command]];
  const argv = cStrings(s.libc, [program, ...args]);
  const envp = env ? cStrings(s.libc, Object.entries(env).map(([k, v]) => `${k}=${v}`)) : undefined;

  const out = openPipe(s);
  const err = out && openPipe(s);
  // A free fd kept for the pidfd: once the child runs, dagrun must be able to wait for it.
  const spare = err ? fn.fcntl(err[0], C.F_DUPFD_CLOEXEC, 0) : -1;
  if (!out || !err || spare < 0) {
    const errno = s.libc.errno();
    for (const fd of [...out ?? [], ...err ?? []]) fn.close(fd);
    throw systemError("spawn", errno, command);
  }
  const [outRead, outWrite] = out;
  const [errRead, errWrite] = err;

  const actions = opaque();
  fn.posix_spawn_file_actions_init(actions);
  fn.posix_spawn_file_actions_addopen(actions, 0, s.devNull, C.O_RDONLY, 0);
  fn.posix_spawn_file_actions_adddup2(actions, outWrite, 1);
  fn.posix_spawn_file_actions_adddup2(actions, errWrite, 2);
  if (options.cwd !== undefined) {
    fn.posix_spawn_file_actions_addchdir_np!(actions, s.libc.cString(options.cwd));
  }
  fn.posix_spawn_file_actions_addclosefrom_np?.(actions, 3);
  const rc = fn.posix_spawn(
    new Uint8Array(s.pid.buffer),
    s.libc.cString(program),
    actions,
    s.attr,
    argv,
    envp ? s.libc.pointer(envp) : s.libc.environ(),
  );
  fn.posix_spawn_file_actions_destroy(actions);
  fn.close(outWrite);
  fn.close(errWrite);
  fn.close(spare);
  if (rc !== 0) {
    fn.close(outRead);
    fn.close(errRead);
    throw systemError("posix_spawn", rc, program);
  }
  return track(s, s.pid[0], outRead, errRead, options);
}

/** A pipe's read and write ends, or `undefined` with errno set. */
function openPipe(s: State): [number, number] | undefined {
  if (s.libc.fn.pipe2(s.fds, C.O_CLOEXEC) < 0) return undefined;
  const [read, write] = s.fdsView;
  // Only dagrun's end is nonblocking: the child's must block when the pipe is full.
  s.libc.fn.fcntl(read, C.F_SETFL, C.O_NONBLOCK);
  return [read, write];
}

/** A NULL-terminated array of C strings, in one buffer: the pointers first, then the bytes. */
function cStrings(libc: Libc, strings: string[]): Uint8Array {
  const encoder = new TextEncoder();
  const encoded = strings.map((t) => encoder.encode(t));
  const head = (strings.length + 1) * 8;
  const bytes = new Uint8Array(new ArrayBuffer(head + encoded.reduce((n, e) => n + e.length + 1, 0)));
  const pointers = new BigUint64Array(bytes.buffer, 0, strings.length + 1);
  const base = libc.address(bytes);
  let at = head;
  encoded.forEach((e, i) => {
    bytes.set(e, at);
    pointers[i] = base + BigInt(at);
    at += e.length + 1;
  });
  return bytes;
}

/** Reads the child's pipes and waits for its exit, all through the poller. */
function track(s: State, pid: number, outRead: number, errRead: number, options: ShellOptions): ShellProcess {
  const { fn } = s.libc;
  let resolveExit!: (exit: ShellExit) => void;
  let rejectExit!: (error: Error) => void;
  const exit = new Promise<ShellExit>((resolve, reject) => {
    resolveExit = resolve;
    rejectExit = reject;
  });
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  let open = 2;
  const streams = [outRead, errRead].map((fd, i) => {
    const sink: (chunk: Uint8Array) => unknown = i === 0 ? options.onStdout : options.onStderr;
    /** `token` is 0 while the pipe is paused: out of the epoll set, its data waiting in the pipe. */
    const stream = { fd, token: 0 };
    const end = () => {
      if (stream.fd < 0) return;
      s.poller.remove(stream.fd, stream.token);
      fn.close(stream.fd);
      stream.fd = -1;
      if (--open === 0) resolveClosed();
    };
    /** Back-pressure: out of the epoll set until `wait` settles; the child blocks on a full pipe. */
    const pause = (wait: Promise<unknown>) => {
      s.poller.remove(stream.fd, stream.token);
      stream.token = 0;
      wait.then(() => {
        if (stream.fd >= 0 && stream.token === 0) stream.token = s.poller.add(stream.fd, C.EPOLLIN, ready);
      });
    };
    const ready = () => {
      const closed = options.gate?.wait();
      if (closed) return pause(closed);
      const n = Number(fn.read(stream.fd, s.readBuf, READ_SIZE));
      if (n > 0) {
        const wait = sink(s.readBuf.slice(0, n));
        if (wait instanceof Promise) pause(wait);
      } else if (n === 0) end();
      else if (s.libc.errno() !== C.EAGAIN && s.libc.errno() !== C.EINTR) end();
    };
    stream.token = s.poller.add(fd, C.EPOLLIN, ready);
    return { end };
  });

  const reaped = (status: number) => {
    const signal = status & 0x7f;
    resolveExit(
      signal === 0
        ? { code: (status >> 8) & 0xff, signal: null }
        : { code: null, signal: SIGNAL_NAMES[signal] ?? `SIG${signal}` },
    );
  };
  const pidfd = fn.pidfd_open ? fn.pidfd_open(pid, 0) : Number(fn.syscall(C.SYS_pidfd_open, pid, 0));
  if (pidfd >= 0) {
    const token = s.poller.add(pidfd, C.EPOLLIN, () => {
      const got = fn.waitpid(pid, new Uint8Array(s.status.buffer), C.WNOHANG);
      if (got === 0) return;
      s.poller.remove(pidfd, token);
      fn.close(pidfd);
      if (got === pid) reaped(s.status[0]);
      else rejectExit(systemError("waitpid", s.libc.errno(), String(pid)));
    });
  } else {
    // No pidfd (fds ran out in between, or Linux < 5.3): wait for this one child on a thread.
    const status = new Int32Array(new ArrayBuffer(4));
    fn.waitpid_blocking(pid, new Uint8Array(status.buffer), 0).then((got) => {
      if (got === pid) reaped(status[0]);
      else rejectExit(systemError("waitpid", 0, String(pid)));
    });
  }

  return {
    pid,
    exit,
    closed,
    kill(signal) {
      try {
        process.kill(-pid, signal);
      } catch { /* the group is gone */ }
    },
    stopReading() {
      for (const stream of streams) stream.end();
    },
  };
}
