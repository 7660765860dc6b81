/**
 * `dagrun worker`: takes jobs from the queue and runs each task with the local executors (exec:
 * its own process group, timeout, cwd and env; eval, when allowed: a worker thread of its own),
 * adding its start, its output and its end to the run's stream.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { availableParallelism } from "node:os";
import type { Job } from "../deps/bullmq.ts";
import type { Redis } from "../deps/ioredis.ts";
import { Attempt } from "../attempt.ts";
import { count } from "../report/format.ts";
import { execExecutor } from "../executors/exec.ts";
import { workerEvalExecutor } from "../executors/eval_worker.ts";
import { type Executor, INTERRUPTED, type Outcome } from "../executors/types.ts";
import type { Task } from "../task.ts";
import {
  type ControlMessage,
  DEFAULT_QUEUE,
  type EndRecord,
  type JobData,
  type JobPayload,
  keysOf,
  processName,
  type RecordKind,
  TIMING,
} from "./protocol.ts";
import { checkRedis, describe, loadRedisLibraries, openRedis } from "./redis.ts";
import { verify } from "./sign.ts";
import type { RedisTarget } from "./url.ts";
import { intrinsics } from "../intrinsics.ts";

const { Promise, setTimeout, clearTimeout, setInterval, clearInterval, now } = intrinsics;

/**
 * Options of {@linkcode runWorker}.
 *
 * @example
 * ```ts
 * import type { WorkerOptions } from "./worker.ts";
 * import { parseRedisUrl } from "./url.ts";
 * const options: WorkerOptions = {
 *   target: parseRedisUrl("redis://127.0.0.1:6379"), key: new TextEncoder().encode("k"),
 *   signal: new AbortController().signal, log: console.error,
 * };
 * ```
 */
export interface WorkerOptions {
  /** The Redis server. */
  target: RedisTarget;
  /** The queue to take jobs from. Default: `dagrun`. */
  queue?: string;
  /** Most tasks at once. Default: the number of cores. */
  slots?: number;
  /** Runs eval tasks (arbitrary JavaScript from whoever holds the key); otherwise refuses them. Default: false. */
  allowEval?: boolean;
  /** The key jobs must be signed with; `undefined`: any job runs (`--insecure`). */
  key: Uint8Array | undefined;
  /**
   * Stops the worker: it takes no more jobs and gives running tasks `graceMs` to finish, then
   * stops them and hands their jobs back to the queue.
   */
  signal: AbortSignal;
  /** Once aborted (after `signal`), running tasks are stopped at once. */
  killSignal?: AbortSignal;
  /** How long running tasks may go on once `signal` aborts, in ms. Default: 10000. */
  graceMs?: number;
  /** Where the worker's log lines go (one per job, and its start and stop). */
  log: (line: string) => void;
}

/** A task this worker is running. */
interface Running {
  run: string;
  attempt: Attempt;
  /** True once the worker stopped it to hand it back (shutting down). */
  handedBack: boolean;
  /** Why the worker stopped it on its own, when it did: the error its end record gives. */
  stopReason?: string;
}

/** The end record of a job stopped before it started: what a stopped executor says. */
const INTERRUPTED_END: EndRecord = { ok: INTERRUPTED.ok, error: INTERRUPTED.error };

/** The error a stopping worker fails a job with to hand it back to the queue. */
const HANDED_BACK = "handed back: the worker stopped";

/** How long a stop for a job this worker does not hold (yet) is remembered, in ms. */
const EARLY_STOP_MS = 60_000;

/**
 * Runs a worker until `options.signal` aborts and its tasks are done or handed back.
 *
 * @throws {RemoteError} when Redis cannot be reached or the user lacks a permission.
 * @example
 * ```ts
 * import { runWorker } from "./worker.ts";
 * import { parseRedisUrl } from "./url.ts";
 * const stop = new AbortController();
 * setTimeout(() => stop.abort(), 1000);
 * await runWorker({ target: parseRedisUrl("redis://127.0.0.1:6379"), key: undefined, signal: stop.signal, log: console.error });
 * ```
 */
export async function runWorker(options: WorkerOptions): Promise<void> {
  const libs = await loadRedisLibraries();
  const queue = options.queue ?? DEFAULT_QUEUE;
  await checkRedis(libs, options.target, queue);
  const name = processName();
  const keys = keysOf(queue);
  const slots = options.slots ?? availableParallelism();
  let lastError = "";
  const logError = (e: Error) => {
    const text = describe(e);
    if (text !== lastError) options.log(`redis: ${text}`);
    lastError = text;
  };
  const client = openRedis(libs, options.target, logError);
  const subscriber = openRedis(libs, options.target, () => {});
  const running = new Map<string, Running>();
  const earlyStops = new Map<string, { action: ControlMessage["action"]; at: number }>();

  subscriber.on("message", (_channel: string, text: string) => {
    let message: ControlMessage;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    const task = running.get(message.job);
    if (task) return control(task.attempt, message.action);
    // The job may be on its way here (taken, not yet registered): remember the stop for a while.
    const now = Date.now();
    for (const [job, stop] of earlyStops) if (now - stop.at > EARLY_STOP_MS) earlyStops.delete(job);
    earlyStops.set(message.job, { action: message.action, at: now });
  });
  await subscriber.subscribe(keys.control);

  const register = () =>
    client.multi()
      .zadd(keys.workers, Date.now(), name)
      .hset(`${keys.workers}:info`, name, JSON.stringify({ slots, allowEval: options.allowEval === true }))
      .exec().catch(() => {});
  await register();
  const timers = [
    setInterval(register, TIMING.heartbeatMs),
    setInterval(coordinatorWatch(client, keys, running, options.log), TIMING.aliveCheckMs),
  ];

  const processor = async (job: Job<JobData>): Promise<void> => {
    const id = job.id!;
    let payload: JobPayload;
    try {
      if (!verify(options.key, job.data.payload, job.data.signature)) {
        options.log(`${id}: refused: bad signature (the coordinator's key differs from this worker's)`);
        payload = JSON.parse(job.data.payload);
        await add(client, keys.stream(payload.run), id, "refused", {
          worker: name,
          reason: "bad signature: the coordinator's key (DAGRUN_KEY or --key-file) differs from the worker's",
        });
        return;
      }
      payload = JSON.parse(job.data.payload);
    } catch (e) {
      options.log(`${id}: refused: not a dagrun job (${(e as Error).message})`);
      return;
    }
    const { run, task } = payload;
    const stream = keys.stream(run);
    const executor = executorFor(task.type, options.allowEval === true);
    if (typeof executor === "string") {
      options.log(`${id} ${task.name}: refused: ${executor}`);
      return void await add(client, stream, id, "refused", { worker: name, reason: executor });
    }
    if (await client.exists(keys.alive(run)) === 0) {
      return options.log(`${id} ${task.name}: dropped: its coordinator is gone`);
    }
    // Stopped while it was being taken (too late for the coordinator to take it off the queue): it
    // is not started, and an end without a start tells the coordinator it never ran.
    if (earlyStops.delete(id)) {
      options.log(`${id} ${task.name}: stopped before it started`);
      return void await add(client, stream, id, "end", INTERRUPTED_END);
    }
    await add(client, stream, id, "start", { worker: name });
    const attempt = new Attempt({
      stopSignal: new AbortController().signal,
      killSignal: options.killSignal ?? new AbortController().signal,
      ownSignal: true,
      graceMs: task.graceMs,
      cwd: task.cwd,
      output: (kind, data) => void add(client, stream, id, kind, data),
      defer: (cleanup) => void cleanups.push(cleanup),
    });
    const cleanups: (() => Promise<void>)[] = [];
    const entry: Running = { run, attempt, handedBack: false };
    running.set(id, entry);
    const early = earlyStops.get(id);
    if (early) control(attempt, early.action);
    const t0 = now();
    let outcome: Outcome;
    try {
      outcome = await executor(task as Task, attempt);
    } catch (e) {
      outcome = { ok: false, error: describe(e) };
    }
    // What the task left running in its group is stopped now: the run's end is not this worker's.
    await Promise.all(cleanups.map((cleanup) => cleanup().catch(() => {})));
    running.delete(id);
    const seconds = ((now() - t0) / 1000).toFixed(1);
    const lastTry = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (entry.handedBack && !lastTry) {
      options.log(`${id} ${task.name}: handed back after ${seconds} s (worker stopping)`);
      await add(client, stream, id, "requeued", { worker: name, reason: "the worker was stopped" }).catch(
        () => {},
      );
      throw new Error(HANDED_BACK);
    }
    // Stopped by this worker on its own: the reason is the news, not the signal it took.
    const end: EndRecord = entry.stopReason ? { ok: false, error: entry.stopReason } : { ok: outcome.ok };
    if (!entry.stopReason) {
      if (outcome.exitCode !== undefined) end.exitCode = outcome.exitCode;
      if (outcome.signal !== undefined) end.signal = outcome.signal;
      if (outcome.error !== undefined) end.error = outcome.error;
    }
    await add(client, stream, id, "end", end);
    options.log(`${id} ${task.name}: ${outcome.ok ? "ok" : outcome.error ?? "failed"} in ${seconds} s`);
  };

  const worker = new libs.Worker<JobData>(queue, processor, {
    connection: openRedis(libs, options.target, () => {}),
    concurrency: slots,
    lockDuration: TIMING.lockDuration,
    stalledInterval: TIMING.stalledInterval,
    maxStalledCount: TIMING.maxStalledCount,
    skipVersionCheck: true,
  });
  worker.on("error", logError);
  // A job whose workers were lost too many times is failed by the next worker that takes it,
  // without running it: tell its coordinator, which would wait for it forever otherwise. A job
  // that failed another way, for good (not handed back with attempts left), likewise.
  worker.on("failed", (job, error) => {
    if (!job || error.message === HANDED_BACK) return;
    const stalled = /stalled/.test(error.message);
    if (!stalled && job.attemptsMade < (job.opts.attempts ?? 1)) return;
    let run: string;
    try {
      run = (JSON.parse(job.data.payload) as JobPayload).run;
    } catch {
      return;
    }
    const reason = stalled ? `its worker was lost ${TIMING.maxStalledCount + 1} times` : error.message;
    options.log(`${job.id}: failed: ${reason}`);
    add(client, keys.stream(run), job.id!, "end", { ok: false, error: reason }).catch(() => {});
  });
  options.log(
    `worker ${name}: ${count(slots, "slot")} on queue "${queue}" at ${options.target.display}` +
      (options.allowEval ? ", eval allowed" : ""),
  );

  await new Promise<void>((resolve) => {
    if (options.signal.aborted) resolve();
    options.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  options.log(
    running.size
      ? `stopping: ${running.size} running task(s) get ${(options.graceMs ?? 10_000) / 1000} s to finish`
      : "stopping",
  );
  const grace = setTimeout(() => handBack(running), options.graceMs ?? 10_000);
  const kill = () => {
    for (const task of running.values()) task.attempt.kill();
  };
  options.killSignal?.addEventListener("abort", () => (handBack(running), kill()), { once: true });
  // Closing waits for Redis to take the last updates, and a Redis that is gone never does (its
  // commands wait for a connection): past the grace and the time a coordinator allows Redis to
  // be silent, the worker stops its tasks and ends without handing them back.
  try {
    await within(worker.close(), (options.graceMs ?? 10_000) + TIMING.aliveMs);
  } catch {
    options.log(`Redis at ${options.target.display} does not answer: stopping without handing tasks back`);
    kill();
  }
  clearTimeout(grace);
  for (const timer of timers) clearInterval(timer);
  const bounded = (command: Promise<unknown>) => within(command, TIMING.aliveCheckMs).catch(() => {});
  await bounded(client.zrem(keys.workers, name));
  await bounded(client.hdel(`${keys.workers}:info`, name));
  subscriber.disconnect();
  await bounded(client.quit());
  client.disconnect();
}

/** The local executor for a task type, or why this worker does not run it. */
function executorFor(type: string, allowEval: boolean): Executor | string {
  if (type === "exec") return execExecutor;
  if (type === "eval") {
    return allowEval ? workerEvalExecutor : "eval tasks need a worker started with --allow-eval";
  }
  return `unknown task type "${type}"`;
}

function control(attempt: Attempt, action: ControlMessage["action"]): void {
  if (action === "kill") attempt.stop(), attempt.kill();
  else attempt.stop();
}

/** Stops every running task, marked to be handed back to the queue. */
function handBack(running: Map<string, Running>): void {
  for (const task of running.values()) {
    task.handedBack = true;
    task.attempt.stop();
  }
}

/** Adds a record about `job` to `stream`: bytes as they are, anything else as JSON. */
function add(client: Redis, stream: string, job: string, kind: RecordKind, data: unknown): Promise<unknown> {
  const body = data instanceof Uint8Array
    ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    : JSON.stringify(data);
  const added = client.xadd(stream, "*", "job", job, "kind", kind, "data", body);
  // A coordinator removes its stream when its run ends; one that died cannot: the stream expires.
  if (kind === "start" || kind === "refused") client.pexpire(stream, TIMING.streamTtlMs).catch(() => {});
  return added;
}

/**
 * Stops the tasks of coordinators that stopped saying they are alive (killed, or cut off), and
 * every task once Redis itself has not answered for as long: their coordinators cannot see them
 * any more, and a Redis that comes back without its data has lost their jobs.
 */
function coordinatorWatch(
  client: Redis,
  keys: ReturnType<typeof keysOf>,
  running: Map<string, Running>,
  log: (line: string) => void,
): () => Promise<void> {
  let lastAnswer = Date.now();
  const stop = (run: string | undefined, why: string) => {
    for (const [id, task] of running) {
      if (run !== undefined && task.run !== run) continue;
      log(`${id}: ${why}; stopping the task`);
      task.stopReason = `stopped by worker ${processName()}: ${why}`;
      task.attempt.stop();
    }
  };
  return async () => {
    const runs = new Set([...running.values()].map((task) => task.run));
    if (runs.size === 0) return void (lastAnswer = Date.now());
    for (const run of runs) {
      let alive: number;
      try {
        alive = await within(client.exists(keys.alive(run)), TIMING.aliveCheckMs);
        lastAnswer = Date.now();
      } catch {
        if (Date.now() - lastAnswer > TIMING.aliveMs) stop(undefined, "Redis does not answer");
        return;
      }
      if (!alive) {
        stop(
          run,
          "its coordinator is gone (its heartbeat key is missing from Redis: killed, or Redis lost its data)",
        );
      }
    }
  };
}

/** `promise`, or a rejection once `ms` have passed. */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((
    _,
    reject,
  ) => (timer = setTimeout(() => reject(new Error("timed out")), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
