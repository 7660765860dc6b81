/**
 * Test helpers for remote execution: a private `redis-server` on a free port of 127.0.0.1 (no
 * persistence), and `dagrun worker` processes. Without redis-server the remote tests are skipped
 * with one line on a developer's machine, and fail in CI (`CI` set), where `.ci/run` installs it.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { delimiter, join } from "node:path";
import process from "node:process";
import { after } from "node:test";
import { cliPath, isAlive, isDeno, sleep, tempDir, waitFor } from "./_helpers.ts";

/** The redis-server binary on the PATH, if any. */
export const redisServer: string | undefined = (process.env.PATH ?? "").split(delimiter)
  .map((dir) => join(dir, "redis-server"))
  .find((path) => existsSync(path));

/**
 * The `skip` option of the remote tests: false when redis-server is there (or in CI, where its
 * absence must fail the tests), else the one line saying how to get it.
 */
export const skipWithoutRedis: false | string = redisServer || process.env.CI
  ? false
  : "redis-server not found: remote tests skipped (install it: apt-get install redis-server)";

/** A running redis-server. */
export interface RedisServer {
  port: number;
  url: string;
  pid: number;
  /** Stops it (SIGKILL: no persistence, nothing to save) and waits until it is gone. */
  stop(): Promise<void>;
}

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts a redis-server on `port` (default: a free one), stopped after the test file; `extra`
 * arguments are added to its command line. A server that could not listen (the port taken
 * meanwhile, or still held by a server just stopped) is started again, on a new free port unless
 * `port` was given, for up to 20 s (a restart on the same port did not answer within 5 s once in
 * thirteen runs of the suite on a loaded machine; its log went nowhere then). The error carries the
 * end of the server's log.
 */
export async function startRedis(port?: number, extra: string[] = []): Promise<RedisServer> {
  if (!redisServer) throw new Error("redis-server is not installed (apt-get install redis-server)");
  const deadline = Date.now() + 20_000;
  const logFile = join(tempDir(), "redis.log");
  while (true) {
    const at = port ?? await freePort();
    const child = spawn(redisServer, [
      "--port",
      String(at),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--daemonize",
      "no",
      "--logfile",
      logFile,
      ...extra,
    ], { stdio: "ignore" });
    let exited = false;
    child.once("exit", () => (exited = true));
    const pid = child.pid!;
    const stop = async () => {
      if (isAlive(pid)) process.kill(pid, "SIGKILL");
      await waitFor(() => !isAlive(pid), 5000);
    };
    if (await ping(at, deadline, () => exited)) {
      // Only a server that answered is kept for the end of the file: a pid stopped here may be
      // another process's by then.
      started.push(stop);
      return { port: at, url: `redis://127.0.0.1:${at}`, pid, stop };
    }
    await stop();
    if (Date.now() >= deadline) {
      const log = existsSync(logFile) ? readFileSync(logFile, "utf8").trim().split("\n").slice(-10) : [];
      throw new Error(`redis-server did not start on port ${at} in 20 s; its log ends:\n${log.join("\n")}`);
    }
    await sleep(200);
  }
}

const started: (() => Promise<void>)[] = [];
after(async () => {
  for (const stop of started.splice(0)) await stop();
});

/** Whether the server on `port` answers PING before `deadline` (a time), asking until `gone()`. */
async function ping(port: number, deadline: number, gone: () => boolean): Promise<boolean> {
  while (Date.now() < deadline && !gone()) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: "127.0.0.1" });
      // Whatever else took the port may never answer, or hang up.
      socket.setTimeout(1000, () => socket.destroy());
      // A refused connection is an answer (not yet); "close" follows every error.
      socket.on("error", () => {});
      socket.once("close", () => resolve(false));
      socket.once("connect", () => socket.write("PING\r\n"));
      socket.once("data", (data) => {
        socket.destroy();
        resolve(String(data).startsWith("+PONG"));
      });
    });
    if (ok) return true;
    await sleep(50);
  }
  return false;
}

/** A `dagrun worker` process. */
export interface WorkerProcess {
  pid: number;
  child: ChildProcess;
  /** Its stderr so far: the log. */
  log(): string;
  /** Sends SIGTERM and waits for it to exit; SIGKILL if it takes more than `ms`. */
  stop(ms?: number): Promise<void>;
}

/** The key the remote tests share between coordinator and workers. */
export const TEST_KEY = "dagrun-test-key";

/**
 * Starts `dagrun worker --redis URL ...args` (with `DAGRUN_KEY` = {@linkcode TEST_KEY} unless
 * `env` says otherwise) and waits until it is taking jobs.
 */
export async function startWorker(
  url: string,
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<WorkerProcess> {
  const argv = isDeno ? ["run", "--allow-all", cliPath, "worker", ...args] : [cliPath, "worker", ...args];
  const child = spawn(process.execPath, argv, {
    env: { ...process.env, DAGRUN_KEY: TEST_KEY, DAGRUN_REDIS: url, NO_COLOR: "1", ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  child.stderr!.setEncoding("utf8").on("data", (t: string) => (log += t));
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const pid = child.pid!;
  const stop = async (ms = 15_000) => {
    if (!isAlive(pid)) return;
    process.kill(pid, "SIGTERM");
    const timer = setTimeout(() => isAlive(pid) && process.kill(pid, "SIGKILL"), ms);
    await exited;
    clearTimeout(timer);
  };
  started.unshift(() => stop(5000));
  // On a loaded machine a worker (a Deno or Node process loading BullMQ) may take many seconds to start.
  if (!await waitFor(() => / slots? on queue /.test(log) || !isAlive(pid), 60_000) || !isAlive(pid)) {
    await stop(1000);
    throw new Error(`dagrun worker did not start:\n${log}`);
  }
  return { pid, child, log: () => log, stop };
}

/** Every `pid=N` a task printed so far (`echo pid=$$; exec …` gives the command's own pid). */
export function pidsIn(text: string, tag = "pid"): number[] {
  return [...text.matchAll(new RegExp(`\\b${tag}=(\\d+)`, "g"))].map((m) => Number(m[1]));
}

/** Sends one command to the server on `port` and returns its raw reply (RESP text). */
export function redisCommand(port: number, ...args: string[]): Promise<string> {
  const command = `*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("");
  return new Promise((resolve, reject) => {
    const socket = createConnection({ port, host: "127.0.0.1" });
    let reply = "";
    socket.once("error", reject);
    socket.once("connect", () => socket.write(command));
    socket.on("data", (data) => {
      reply += data;
      // Enough for the replies the tests read: one line, or an array of short bulk strings.
      if (reply.endsWith("\r\n")) {
        socket.destroy();
        resolve(reply);
      }
    });
  });
}
