import { intrinsics } from "../intrinsics.ts";

const { TextEncoder } = intrinsics;
/**
 * The parts of glibc the FFI spawn calls, opened through `Deno.dlopen`, and what differs between
 * the two ABIs it supports (x86-64 and aarch64 Linux with glibc). Everything here is synchronous
 * and runs on the main thread, except `epoll_wait`, which runs on one of Deno's blocking threads
 * (`nonblocking: true`) so that waiting never blocks the event loop.
 *
 * @module
 */

/** The slice of Deno's FFI this module uses, so it type-checks without Deno's types too. */
interface DenoFfi {
  build: { os: string; arch: string };
  dlopen(path: string, symbols: Record<string, unknown>): { symbols: Record<string, unknown> };
  UnsafePointer: { of(buffer: Uint8Array): unknown; value(pointer: unknown): bigint | number };
  UnsafePointerView: {
    getCString(pointer: unknown): string;
    new (pointer: unknown): { getInt32(offset?: number): number; getPointer(offset?: number): unknown };
  };
  permissions: { querySync(descriptor: { name: "ffi" }): { state: string } };
}

/** The Deno namespace, when there is one. */
export const deno = (globalThis as unknown as { Deno?: DenoFfi }).Deno;

type Buf = Uint8Array;

/** The libc functions the FFI spawn calls, as Deno's FFI exposes them. */
export interface LibcSymbols {
  posix_spawn(pid: Buf, path: Buf, actions: Buf, attr: Buf, argv: Buf, envp: unknown): number;
  posix_spawnattr_init(attr: Buf): number;
  posix_spawnattr_destroy(attr: Buf): number;
  posix_spawnattr_setflags(attr: Buf, flags: number): number;
  posix_spawnattr_setsigmask(attr: Buf, set: Buf): number;
  posix_spawnattr_setsigdefault(attr: Buf, set: Buf): number;
  posix_spawn_file_actions_init(actions: Buf): number;
  posix_spawn_file_actions_destroy(actions: Buf): number;
  posix_spawn_file_actions_adddup2(actions: Buf, fd: number, to: number): number;
  posix_spawn_file_actions_addopen(actions: Buf, fd: number, path: Buf, flags: number, mode: number): number;
  posix_spawn_file_actions_addchdir_np: ((actions: Buf, path: Buf) => number) | null;
  posix_spawn_file_actions_addclosefrom_np: ((actions: Buf, from: number) => number) | null;
  sigemptyset(set: Buf): number;
  sigfillset(set: Buf): number;
  pipe2(fds: Buf, flags: number): number;
  fcntl(fd: number, cmd: number, arg: number): number;
  read(fd: number, buf: Buf, count: number | bigint): number | bigint;
  write(fd: number, buf: Buf, count: number | bigint): number | bigint;
  close(fd: number): number;
  waitpid(pid: number, status: Buf, options: number): number;
  /** `waitpid` on a blocking thread: only for a child whose pidfd could not be opened. */
  waitpid_blocking(pid: number, status: Buf, options: number): Promise<number>;
  pidfd_open: ((pid: number, flags: number) => number) | null;
  syscall(number: number | bigint, a: number | bigint, b: number | bigint): number | bigint;
  epoll_create1(flags: number): number;
  epoll_ctl(epfd: number, op: number, fd: number, event: Buf): number;
  epoll_wait(epfd: number, events: Buf, max: number, timeoutMs: number): Promise<number>;
  eventfd(initval: number, flags: number): number;
  __errno_location(): unknown;
  gnu_get_libc_version(): unknown;
  /** The address of `environ`. */
  environ: unknown;
}

const SYMBOLS = {
  posix_spawn: { parameters: ["buffer", "buffer", "buffer", "buffer", "buffer", "pointer"], result: "i32" },
  posix_spawnattr_init: { parameters: ["buffer"], result: "i32" },
  posix_spawnattr_destroy: { parameters: ["buffer"], result: "i32" },
  posix_spawnattr_setflags: { parameters: ["buffer", "i16"], result: "i32" },
  posix_spawnattr_setsigmask: { parameters: ["buffer", "buffer"], result: "i32" },
  posix_spawnattr_setsigdefault: { parameters: ["buffer", "buffer"], result: "i32" },
  posix_spawn_file_actions_init: { parameters: ["buffer"], result: "i32" },
  posix_spawn_file_actions_destroy: { parameters: ["buffer"], result: "i32" },
  posix_spawn_file_actions_adddup2: { parameters: ["buffer", "i32", "i32"], result: "i32" },
  posix_spawn_file_actions_addopen: { parameters: ["buffer", "i32", "buffer", "i32", "u32"], result: "i32" },
  // glibc 2.29 and 2.34: checked by the caller, so an older glibc falls back instead of failing to open.
  posix_spawn_file_actions_addchdir_np: { parameters: ["buffer", "buffer"], result: "i32", optional: true },
  posix_spawn_file_actions_addclosefrom_np: { parameters: ["buffer", "i32"], result: "i32", optional: true },
  sigemptyset: { parameters: ["buffer"], result: "i32" },
  sigfillset: { parameters: ["buffer"], result: "i32" },
  pipe2: { parameters: ["buffer", "i32"], result: "i32" },
  fcntl: { parameters: ["i32", "i32", "i32"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  close: { parameters: ["i32"], result: "i32" },
  waitpid: { parameters: ["i32", "buffer", "i32"], result: "i32" },
  waitpid_blocking: {
    name: "waitpid",
    parameters: ["i32", "buffer", "i32"],
    result: "i32",
    nonblocking: true,
  },
  // glibc 2.36; the raw system call does the same on older ones (Linux ≥ 5.3).
  pidfd_open: { parameters: ["i32", "u32"], result: "i32", optional: true },
  syscall: { parameters: ["i64", "i64", "i64"], result: "i64" },
  epoll_create1: { parameters: ["i32"], result: "i32" },
  epoll_ctl: { parameters: ["i32", "i32", "i32", "buffer"], result: "i32" },
  epoll_wait: { parameters: ["i32", "buffer", "i32", "i32"], result: "i32", nonblocking: true },
  eventfd: { parameters: ["u32", "i32"], result: "i32" },
  __errno_location: { parameters: [], result: "pointer" },
  gnu_get_libc_version: { parameters: [], result: "pointer" },
  environ: { type: "pointer" },
} as const;

/** Constants of Linux and glibc, the same on x86-64 and aarch64. */
export const C = {
  O_RDONLY: 0,
  O_NONBLOCK: 0o4000,
  O_CLOEXEC: 0o2000000,
  F_GETFL: 3,
  F_SETFL: 4,
  F_DUPFD_CLOEXEC: 1030,
  WNOHANG: 1,
  EINTR: 4,
  EAGAIN: 11,
  EPOLL_CTL_ADD: 1,
  EPOLL_CTL_DEL: 2,
  EPOLL_CTL_MOD: 3,
  EPOLLIN: 0x1,
  EPOLLERR: 0x8,
  EPOLLHUP: 0x10,
  EFD_NONBLOCK: 0o4000,
  EFD_CLOEXEC: 0o2000000,
  POSIX_SPAWN_SETSIGDEF: 0x04,
  POSIX_SPAWN_SETSIGMASK: 0x08,
  /** glibc 2.26. */
  POSIX_SPAWN_SETSID: 0x80,
  /** `pidfd_open` in the generic system call table both ABIs use. */
  SYS_pidfd_open: 434,
} as const;

/** Error names of the errno values the spawn module reports (generic Linux numbering). */
export const ERRNO_NAMES: Record<number, string> = {
  1: "EPERM",
  2: "ENOENT",
  4: "EINTR",
  7: "E2BIG",
  8: "ENOEXEC",
  11: "EAGAIN",
  12: "ENOMEM",
  13: "EACCES",
  20: "ENOTDIR",
  22: "EINVAL",
  23: "ENFILE",
  24: "EMFILE",
  38: "ENOSYS",
};

/** Signal names by number (generic Linux numbering, shared by x86-64 and aarch64). */
export const SIGNAL_NAMES = [
  "",
  ...["SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL"],
  ...["SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT"],
  ...["SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF"],
  ...["SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS"],
];

/**
 * How `struct epoll_event` is laid out: packed (12 bytes, `data` at offset 4) on x86-64, natural
 * alignment (16 bytes, `data` at offset 8) on aarch64.
 */
export interface EpollLayout {
  size: number;
  dataOffset: number;
}

/** The epoll layout of `arch` (Deno's `build.arch`), or `undefined` for an ABI this module does not know. */
export function epollLayout(arch: string): EpollLayout | undefined {
  if (arch === "x86_64") return { size: 12, dataOffset: 4 };
  if (arch === "aarch64") return { size: 16, dataOffset: 8 };
  return undefined;
}

/**
 * glibc's `posix_spawnattr_t` and `posix_spawn_file_actions_t` are 336 and 80 bytes on both ABIs,
 * `sigset_t` 128: buffers of this size hold any of them.
 */
export const OPAQUE_SIZE = 512;

/** Opened libc: its functions, the epoll layout, and the calling thread's `errno`. */
export interface Libc {
  fn: LibcSymbols;
  epoll: EpollLayout;
  /** glibc's version, e.g. `[2, 36]`. */
  version: [number, number];
  /** The main thread's `errno`, right after a failed call. */
  errno(): number;
  /** A NUL-terminated copy of `text`. */
  cString(text: string): Uint8Array;
  /** The address of `buffer`'s first byte. */
  address(buffer: Uint8Array): bigint;
  /** A pointer to `buffer`, for a `pointer` parameter. */
  pointer(buffer: Uint8Array): unknown;
  /** dagrun's environment as it is now (`environ`: `Deno.env.set` changes it). */
  environ(): unknown;
}

let opened: Libc | string | undefined;

/**
 * Opens glibc once. Returns why it cannot be used instead when this is not Linux with glibc on
 * x86-64 or aarch64, or `Deno.dlopen` fails (no FFI permission, musl).
 *
 * @example
 * ```ts
 * import { openLibc } from "./libc.ts";
 * const libc = openLibc();
 * console.log(typeof libc === "string" ? `no: ${libc}` : `glibc ${libc.version.join(".")}`);
 * ```
 */
export function openLibc(): Libc | string {
  return opened ??= open();
}

function open(): Libc | string {
  if (!deno) return "not Deno";
  if (deno.build.os !== "linux") return `not Linux (${deno.build.os})`;
  const epoll = epollLayout(deno.build.arch);
  if (!epoll) return `unsupported architecture ${deno.build.arch}`;
  if (deno.permissions.querySync({ name: "ffi" }).state !== "granted") {
    return "no FFI permission (--allow-ffi)";
  }
  let fn: LibcSymbols;
  try {
    fn = deno.dlopen("libc.so.6", SYMBOLS).symbols as unknown as LibcSymbols;
  } catch (e) {
    return `cannot open libc.so.6: ${(e as Error).message.split("\n")[0]}`;
  }
  const version = deno.UnsafePointerView.getCString(fn.gnu_get_libc_version()).split(".").map(Number);
  const errnoView = new deno.UnsafePointerView(fn.__errno_location());
  const environView = new deno.UnsafePointerView(fn.environ);
  const encoder = new TextEncoder();
  const ptr = deno.UnsafePointer;
  return {
    fn,
    epoll,
    version: [version[0] ?? 0, version[1] ?? 0],
    errno: () => errnoView.getInt32(),
    cString(text) {
      // An ArrayBuffer of its own keeps the bytes off V8's heap, where they could move.
      const bytes = new Uint8Array(new ArrayBuffer(text.length * 3 + 1));
      const { written } = encoder.encodeInto(text, bytes);
      return bytes.subarray(0, written + 1);
    },
    address: (buffer) => BigInt(ptr.value(ptr.of(buffer))),
    pointer: (buffer) => ptr.of(buffer),
    environ: () => environView.getPointer(0),
  };
}

/** An `Error` with the errno's name as `code`, as Node and Deno report system errors. */
export function systemError(call: string, errno: number, detail = ""): Error & { code: string } {
  const code = ERRNO_NAMES[errno] ?? `E${errno}`;
  return Object.assign(new Error(`${call}${detail ? ` ${detail}` : ""}: ${code} (errno ${errno})`), { code });
}
