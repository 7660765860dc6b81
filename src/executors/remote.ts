/**
 * Remote execution, the coordinator's side: an executor that puts each task on a BullMQ queue
 * and turns what the worker that takes it adds to the run's Redis Stream (start, output, end)
 * into what a local executor gives: `started()`, output, an outcome. The scheduler does not know
 * it is remote. Other tasks, cancellation and timeouts work as locally: a stop or kill is
 * published on the queue's control channel to the worker that holds the job.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { randomUUID } from "node:crypto";
import type { Queue } from "../deps/bullmq.ts";
import type { Redis } from "../deps/ioredis.ts";
import type { Task } from "../task.ts";
import { type Executor, type ExecutorContext, INTERRUPTED, type Outcome } from "./types.ts";
import {
  type ControlMessage,
  DEFAULT_QUEUE,
  type EndRecord,
  type JobData,
  type JobPayload,
  keysOf,
  type RecordKind,
  TIMING,
} from "../remote/protocol.ts";
import { checkRedis, describe, loadRedisLibraries, openRedis } from "../remote/redis.ts";
import { sign } from "../remote/sign.ts";
import type { RedisTarget } from "../remote/url.ts";
import { intrinsics } from "../intrinsics.ts";

const { Promise, setTimeout, clearTimeout, setInterval, clearInterval, TextEncoder } = intrinsics;

/**
 * Options of {@linkcode connectRemote}.
 *
 * @example
 * ```ts
 * import type { RemoteOptions } from "./remote.ts";
 * import { parseRedisUrl } from "../remote/url.ts";
 * const options: RemoteOptions = { target: parseRedisUrl("redis://127.0.0.1:6379"), key: new TextEncoder().encode("k") };
 * ```
 */
export interface RemoteOptions {
  /** The Redis server. */
  target: RedisTarget;
  /** The queue's name; workers must take jobs from the same one. Default: `dagrun`. */
  queue?: string;
  /** The key jobs are signed with (the workers' own); `undefined`: unsigned (`--insecure`). */
  key: Uint8Array | undefined;
}

/**
 * A connection to the queue for one run: its executor, and `close` for when the run is over.
 *
 * @example
 * ```ts
 * import { connectRemote } from "./remote.ts";
 * import { parseRedisUrl } from "../remote/url.ts";
 * import { run } from "../scheduler.ts";
 * const remote = await connectRemote({ target: parseRedisUrl("redis://127.0.0.1:6379"), key: undefined });
 * try {
 *   await run([{ name: "a", type: "exec", arguments: "hostname" }], { executors: { exec: remote.executor } });
 * } finally {
 *   await remote.close();
 * }
 * ```
 */
export interface Remote {
  /** Runs a task on a worker; `startsLater`: the task starts when a worker takes it. */
  readonly executor: Executor;
  /** Stops the heartbeat, removes the run's keys and closes the connections. */
  close(): Promise<void>;
}

/**
 * Checks the connection (once, without retrying) and opens the run's queue, stream and heartbeat.
 *
 * @throws {RemoteError} when Redis cannot be reached or the user lacks a permission.
 * @example
 * ```ts
 * import { connectRemote } from "./remote.ts";
 * import { parseRedisUrl } from "../remote/url.ts";
 * const remote = await connectRemote({ target: parseRedisUrl("redis://127.0.0.1:6379"), key: undefined });
 * await remote.close();
 * ```
 */
export async function connectRemote(options: RemoteOptions): Promise<Remote> {
  const libs = await loadRedisLibraries();
  const queueName = options.queue ?? DEFAULT_QUEUE;
  await checkRedis(libs, options.target, queueName);
  const client = openRedis(libs, options.target);
  const reader = openRedis(libs, options.target);
  const queue = new libs.Queue(queueName, { connection: client, skipVersionCheck: true });
  // Its connection's errors are the client's, already watched; BullMQ would print each one.
  queue.on("error", () => {});
  const coordinator = new Coordinator(options, queueName, client, reader, queue);
  await coordinator.start();
  return coordinator;
}

/** A job the coordinator waits for. */
interface Pending {
  ctx: ExecutorContext;
  /** The worker running it, once one has said it started it. */
  worker?: string;
  /** How many times a worker started it again after the one before was lost. */
  reruns: number;
  /** Why the last worker gave the job back to the queue, when it did. */
  requeued?: string;
  done(outcome: Outcome): void;
}

class Coordinator implements Remote {
  readonly executor: Executor;
  readonly #target: RedisTarget;
  readonly #key: Uint8Array | undefined;
  readonly #client: Redis;
  readonly #reader: Redis;
  readonly #queue: Queue;
  readonly #keys: ReturnType<typeof keysOf>;
  readonly #run = randomUUID();
  readonly #jobs = new Map<string, Pending>();
  #seq = 0;
  /** Why no task can run any more (Redis is gone), once it is so. */
  #lost: string | undefined;
  #lastOk = Date.now();
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #closed = false;
  #reading: Promise<void> = Promise.resolve();

  constructor(options: RemoteOptions, queue: string, client: Redis, reader: Redis, bull: Queue) {
    this.#target = options.target;
    this.#key = options.key;
    this.#client = client;
    this.#reader = reader;
    this.#queue = bull;
    this.#keys = keysOf(queue);
    this.executor = Object.assign((task: Task, ctx: ExecutorContext) => this.#execute(task, ctx), {
      startsLater: true,
    });
  }

  async start(): Promise<void> {
    await this.#client.set(this.#keys.alive(this.#run), "1", "PX", TIMING.aliveMs);
    this.#heartbeat = setInterval(() => this.#beat(), TIMING.heartbeatMs);
    this.#reading = this.#read();
  }

  #execute(task: Task, ctx: ExecutorContext): Promise<Outcome> {
    if (this.#lost) return Promise.resolve({ ok: false, error: this.#lost });
    const job = `${this.#run}-${++this.#seq}`;
    const payload: JobPayload = {
      run: this.#run,
      task: {
        name: task.name,
        type: task.type,
        arguments: task.arguments,
        env: task.env,
        cwd: ctx.cwd,
        graceMs: ctx.graceMs,
      },
    };
    const text = JSON.stringify(payload);
    const data: JobData = { payload: text, signature: sign(this.#key, text) };
    return new Promise((resolve) => {
      const offStop = ctx.onStop(() => this.#control(job, "stop"));
      const offKill = ctx.onKill(() => this.#control(job, "kill"));
      this.#jobs.set(job, {
        ctx,
        reruns: 0,
        done: (outcome) => {
          if (!this.#jobs.delete(job)) return;
          offStop();
          offKill();
          resolve(outcome);
        },
      });
      this.#queue.add(task.name, data, {
        jobId: job,
        removeOnComplete: true,
        removeOnFail: true,
        // A worker that stops hands its running jobs back by failing them: they run again.
        attempts: 3,
      }).catch((e) =>
        this.#jobs.get(job)?.done({ ok: false, error: `cannot queue on ${this.#where()}: ${describe(e)}` })
      );
    });
  }

  /** Tells the worker holding `job` to stop or kill it; a job still queued is taken off the queue. */
  #control(job: string, action: ControlMessage["action"]): void {
    const pending = this.#jobs.get(job);
    if (!pending || this.#lost) return;
    const message: ControlMessage = { job, action };
    this.#client.publish(this.#keys.control, JSON.stringify(message)).catch(() => {});
    if (pending.worker !== undefined) return;
    this.#queue.remove(job).then((removed) => {
      if (removed && pending.worker === undefined) pending.done(INTERRUPTED);
    }, () => {});
  }

  /** Reads the run's stream until closed: every worker record, in order. */
  async #read(): Promise<void> {
    const stream = this.#keys.stream(this.#run);
    let last = "0-0";
    while (!this.#closed) {
      let batch;
      try {
        batch = await this.#reader.xreadBuffer("COUNT", 1000, "BLOCK", 1000, "STREAMS", stream, last);
      } catch {
        if (this.#closed) return;
        await new Promise((resolve) => setTimeout(resolve, 500));
        continue;
      }
      if (!batch) continue;
      for (const [, entries] of batch) {
        for (const [id, fields] of entries) {
          last = id.toString();
          this.#record(fields);
        }
      }
      this.#client.xtrim(stream, "MINID", last).catch(() => {});
    }
  }

  /** One worker record: `job`, `kind`, `data` (and their values), alternating. */
  #record(fields: Buffer[]): void {
    const field = (name: string) => {
      for (let i = 0; i < fields.length; i += 2) if (fields[i].toString() === name) return fields[i + 1];
    };
    const pending = this.#jobs.get(String(field("job")));
    const kind = String(field("kind")) as RecordKind;
    const data = field("data") ?? Buffer.alloc(0);
    if (!pending) return;
    switch (kind) {
      case "start": {
        const { worker } = JSON.parse(data.toString()) as { worker: string };
        if (pending.worker !== undefined) {
          pending.reruns++;
          const what = pending.requeued ?? "was lost";
          pending.ctx.output(
            "stderr",
            new TextEncoder().encode(
              `dagrun: worker ${pending.worker} ${what}; running again on ${worker}\n`,
            ),
          );
        }
        pending.worker = worker;
        pending.requeued = undefined;
        return pending.ctx.started({ worker });
      }
      case "stdout":
      case "stderr":
        // A stream of records from Redis cannot be paused per task: its output is not held back.
        pending.ctx.output(kind, new Uint8Array(data));
        return;
      case "end": {
        const end = JSON.parse(data.toString()) as EndRecord;
        return pending.done({ ...end, ...(pending.reruns ? { reruns: pending.reruns } : {}) });
      }
      case "requeued": {
        const { reason } = JSON.parse(data.toString()) as { reason: string };
        pending.requeued = `handed the task back (${reason})`;
        return;
      }
      case "refused": {
        const { worker, reason } = JSON.parse(data.toString()) as { worker: string; reason: string };
        return pending.done({ ok: false, error: `refused by worker ${worker}: ${reason}` });
      }
    }
  }

  /**
   * Says the run is alive, and notices Redis is gone: unreachable for `lostAfterMs`, or back
   * without this run's key (restarted without persistence, or its data evicted).
   */
  #beat(): void {
    if (this.#lost) return;
    if (Date.now() - this.#lastOk > TIMING.lostAfterMs) {
      return this.#fail(`lost the connection to ${this.#where()}`);
    }
    this.#client.set(this.#keys.alive(this.#run), "1", "PX", TIMING.aliveMs, "XX").then((reply) => {
      if (reply === null) {
        this.#fail(`${this.#where()} lost this run's data (restarted without persistence?)`);
      } else this.#lastOk = Date.now();
    }, () => {});
  }

  #where(): string {
    return `Redis at ${this.#target.display}`;
  }

  /** Fails every outstanding task, and every task asked to run from now on, with `reason`. */
  #fail(reason: string): void {
    this.#lost = reason;
    for (const pending of [...this.#jobs.values()]) pending.done({ ok: false, error: reason });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#heartbeat);
    if (this.#lost) {
      this.#reader.disconnect();
      this.#client.disconnect();
      return;
    }
    this.#reader.disconnect();
    await this.#reading;
    const tidy = (async () => {
      await this.#client.del(this.#keys.alive(this.#run), this.#keys.stream(this.#run));
      await this.#queue.close();
      await this.#client.quit();
    })();
    // Tidying must not hold the exit for long: what is left expires or is another run's.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise((resolve) => (timer = setTimeout(resolve, 2000)));
    await Promise.race([tidy.catch(() => {}), late]);
    clearTimeout(timer);
    this.#client.disconnect();
  }
}
