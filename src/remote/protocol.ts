/**
 * What the coordinator and the workers say to each other through Redis: the job, the records a
 * worker adds to the run's stream, the control messages, and the keys they live under.
 *
 * @module
 */
import { hostname } from "node:os";
import process from "node:process";

/** The queue jobs go to when `--queue` is not given. */
export const DEFAULT_QUEUE = "dagrun";

/**
 * Timings of the queue. A job's lock lasts `lockDuration` and is renewed at half that; every
 * `stalledInterval` a worker looks for jobs whose lock expired (their worker died) and puts them
 * back. With BullMQ's defaults (30 s, 30 s) a killed worker's task waits about a minute to run
 * again; with these, 8–11 s. Shorter locks are lost by live workers: at 5 s, a worker on a
 * machine at load 13 (2 cores) with 64 eval tasks starting missed its renewals and 60 of its
 * tasks ran twice. `heartbeatMs`: how often the coordinator says it is alive, and `aliveMs`: how
 * long that lasts; a worker whose coordinator has not said so for `aliveMs` stops the
 * coordinator's tasks.
 */
export const TIMING = {
  lockDuration: 8000,
  stalledInterval: 3000,
  /** A job whose worker was lost this many times fails (BullMQ's default is 1). */
  maxStalledCount: 3,
  heartbeatMs: 2000,
  aliveMs: 10_000,
  /** How often a worker checks that the coordinators of its running jobs are alive. */
  aliveCheckMs: 2000,
  /** How long a run's stream outlives the last job a worker started for it (its coordinator may be dead). */
  streamTtlMs: 24 * 60 * 60 * 1000,
  /** How long the coordinator goes on without a working connection before it fails what is outstanding. */
  lostAfterMs: 10_000,
} as const;

/**
 * The task a job carries: what the worker needs to run it, and nothing of the graph.
 *
 * @example
 * ```ts
 * import type { JobTask } from "./protocol.ts";
 * const task: JobTask = { name: "test-3", type: "exec", arguments: "npm test -- --shard 3/8" };
 * ```
 */
export interface JobTask {
  /** The task's name, for the worker's log. */
  name: string;
  /** `exec` or `eval`. */
  type: string;
  /** The command or snippet. */
  arguments: string;
  /** Environment variables over the worker's own. */
  env?: Record<string, string>;
  /** Working directory on the worker (an absolute path); `undefined`: the worker's own. */
  cwd?: string;
  /** Time between SIGTERM and SIGKILL when the task is stopped, in ms. */
  graceMs: number;
}

/**
 * A job as it sits in the queue: `payload` is the JSON of {@linkcode JobPayload}, signed as it is
 * (a signature over bytes, not over a re-serialized object).
 */
export interface JobData {
  /** JSON of a {@linkcode JobPayload}. */
  payload: string;
  /** Hex HMAC-SHA256 of `payload` under the shared key; `""` with `--insecure`. */
  signature: string;
}

/** What a job asks for: the run it belongs to and its task. */
export interface JobPayload {
  /** The run's id: its stream and heartbeat keys are named after it. */
  run: string;
  /** The task to run. */
  task: JobTask;
}

/**
 * What a worker adds to the run's stream about a job, in order: `start` (once per time a worker
 * takes it), `stdout`/`stderr` (the bytes, as they come), then `end`; `refused` instead of all of
 * them; `requeued` instead of `end` when a stopping worker hands the job back to the queue.
 */
export type RecordKind = "start" | "stdout" | "stderr" | "end" | "refused" | "requeued";

/** The `end` record's body: how the task ended on the worker. */
export interface EndRecord {
  ok: boolean;
  exitCode?: number;
  signal?: string;
  error?: string;
}

/**
 * A control message, published on the queue's control channel: stop (SIGTERM, then SIGKILL after
 * the grace) or kill (SIGKILL now) a job's task.
 */
export interface ControlMessage {
  /** The job's id. */
  job: string;
  /** `stop` or `kill`. */
  action: "stop" | "kill";
}

/**
 * The Redis keys of a queue's dagrun data (BullMQ's own are under `bull:QUEUE:`).
 *
 * @example
 * ```ts
 * import { keysOf } from "./protocol.ts";
 * keysOf("dagrun").stream("r1"); // "dagrun:dagrun:run:r1:stream"
 * ```
 */
export function keysOf(queue: string) {
  const base = `dagrun:${queue}`;
  return {
    /** The run's stream of worker records. */
    stream: (run: string) => `${base}:run:${run}:stream`,
    /** Exists while the run's coordinator is alive. */
    alive: (run: string) => `${base}:run:${run}:alive`,
    /** The channel stop and kill messages go through. */
    control: `${base}:control`,
    /** Sorted set of the workers, scored by when each last said it was alive (ms since the epoch). */
    workers: `${base}:workers`,
  };
}

/**
 * This process as the report and the logs name it: `host:pid`.
 *
 * @example
 * ```ts
 * import { processName } from "./protocol.ts";
 * console.log(processName()); // e.g. "build-7:41234"
 * ```
 */
export function processName(): string {
  return `${hostname()}:${process.pid}`;
}
