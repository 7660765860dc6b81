/**
 * Redis and BullMQ, loaded only when remote execution is used (a local run never imports them),
 * and connections that fail with a clear message instead of retrying forever.
 *
 * @module
 */
import type { Queue, Worker } from "../deps/bullmq.ts";
import type { Redis, RedisOptions } from "../deps/ioredis.ts";
import { RemoteError } from "./errors.ts";
import type { RedisTarget } from "./url.ts";
import { intrinsics } from "../intrinsics.ts";

const { Promise } = intrinsics;

/** The classes remote execution uses, from their packages. */
export interface RedisLibraries {
  /** BullMQ's queue (the coordinator adds jobs). */
  Queue: typeof Queue;
  /** BullMQ's worker (takes jobs). */
  Worker: typeof Worker;
  /** The ioredis client. */
  Redis: typeof Redis;
}

let libraries: Promise<RedisLibraries> | undefined;

/**
 * Imports bullmq and ioredis, once (about 0.5 s on a warm cache: the reason a local run never does).
 *
 * @example
 * ```ts
 * import { loadRedisLibraries } from "./redis.ts";
 * const { Queue } = await loadRedisLibraries();
 * ```
 */
export function loadRedisLibraries(): Promise<RedisLibraries> {
  libraries ??= (async () => {
    const [bullmq, ioredis] = await Promise.all([
      import(depsModule("bullmq")) as Promise<typeof import("../deps/bullmq.ts")>,
      import(depsModule("ioredis")) as Promise<typeof import("../deps/ioredis.ts")>,
    ]);
    return { Queue: bullmq.Queue, Worker: bullmq.Worker, Redis: ioredis.Redis };
  })();
  return libraries;
}

/**
 * The URL of `src/deps/NAME` beside this module, computed so that Deno cannot see the import ahead
 * of time: a literal specifier puts bullmq and ioredis in the module graph of every start, and a
 * run from a URL then downloads their 17 MB tree even for `--version` and resolves it at every
 * start after. The extension is this module's own (`.ts` from source, `.js` in the npm build).
 */
function depsModule(name: string): string {
  const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
  return new URL(`../deps/${name}${ext}`, import.meta.url).href;
}

/**
 * Options of every long-lived connection. The ready check is off: it sends INFO, and ioredis
 * retries it forever when an ACL user lacks `+info`. Commands wait while the connection is down
 * (`maxRetriesPerRequest: null`, which BullMQ's blocking calls need); whoever uses the connection
 * decides how long that may last.
 */
const LONG_LIVED: RedisOptions = {
  lazyConnect: true,
  enableReadyCheck: false,
  maxRetriesPerRequest: null,
  connectTimeout: 5000,
  retryStrategy: (times) => Math.min(times * 200, 2000),
};

/**
 * A connection that reconnects when dropped. Its errors go to `onError` (ioredis would print
 * every one of them otherwise, several a second while Redis is down).
 *
 * @example
 * ```ts
 * import { loadRedisLibraries, openRedis } from "./redis.ts";
 * const client = openRedis(await loadRedisLibraries(), { url: "redis://127.0.0.1:6379", display: "redis://127.0.0.1:6379" });
 * ```
 */
export function openRedis(
  libs: RedisLibraries,
  target: RedisTarget,
  onError: (e: Error) => void = () => {},
): Redis {
  const client = new libs.Redis(target.url, LONG_LIVED);
  client.on("error", onError);
  client.connect().catch(() => {});
  return client;
}

/**
 * What dagrun and BullMQ need of the server, each tried once: a user without one of them gets a
 * message naming it rather than a loop of errors later. EVAL runs BullMQ's scripts; the keys are
 * those of the queue (BullMQ's `bull:QUEUE:` and dagrun's `dagrun:QUEUE:`).
 */
function commandsNeeded(queue: string): [string, (client: Redis) => Promise<unknown>][] {
  const probe = `dagrun:${queue}:probe`;
  return [
    ["PING", (c) => c.ping()],
    ["EVAL (BullMQ runs Lua scripts)", (c) => c.eval("return 1", 0)],
    ["EXISTS on bull:" + queue + ":*", (c) => c.exists(`bull:${queue}:meta`)],
    ["XADD", (c) => c.xadd(probe, "*", "probe", "1")],
    ["XREAD", (c) => c.xread("COUNT", 1, "STREAMS", probe, "0")],
    ["XTRIM", (c) => c.xtrim(probe, "MAXLEN", 0)],
    ["SET", (c) => c.set(`${probe}:key`, "1", "PX", 1000)],
    ["DEL", (c) => c.del(probe, `${probe}:key`)],
    ["PUBLISH", (c) => c.publish(`${probe}:channel`, "1")],
    ["SUBSCRIBE", (c) => c.subscribe(`${probe}:channel`)],
  ];
}

/**
 * Connects once, without retrying, and tries every command remote execution needs.
 *
 * @throws {RemoteError} naming the URL (password masked) and what failed: the connection, the
 * password, or the command the ACL user may not run.
 * @example
 * ```ts
 * import { checkRedis, loadRedisLibraries } from "./redis.ts";
 * await checkRedis(await loadRedisLibraries(), { url: "redis://127.0.0.1:6379", display: "redis://127.0.0.1:6379" }, "dagrun");
 * ```
 */
export async function checkRedis(libs: RedisLibraries, target: RedisTarget, queue: string): Promise<void> {
  const client = new libs.Redis(target.url, {
    lazyConnect: true,
    enableReadyCheck: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 5000,
    retryStrategy: () => null,
  });
  let lastError: Error | undefined;
  client.on("error", (e: Error) => (lastError = e));
  try {
    try {
      await client.connect();
    } catch (e) {
      throw new RemoteError(`cannot connect to Redis at ${target.display}: ${describe(lastError ?? e)}`);
    }
    for (const [name, run] of commandsNeeded(queue)) {
      try {
        await run(client);
      } catch (e) {
        const message = describe(e);
        if (/^NOPERM/.test(message)) {
          throw new RemoteError(
            `Redis at ${target.display}: the user may not run ${name} (${message}); ` +
              `grant what docs/remote.md lists under "ACL"`,
          );
        }
        throw new RemoteError(`Redis at ${target.display}: ${name} failed: ${message}`);
      }
    }
  } finally {
    client.disconnect();
  }
}

/** An error's message, made readable for the usual connection failures. */
export function describe(e: unknown): string {
  const error = e as { code?: string; message?: string };
  switch (error?.code) {
    case "ECONNREFUSED":
      return "connection refused (is redis-server running, on that port?)";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "unknown host";
    case "ETIMEDOUT":
      return "timed out";
  }
  return String(error?.message ?? e).split("\n")[0];
}
