/**
 * What `dagrun check --redis` shows: whether Redis answers with every permission needed, the
 * workers taking jobs from the queue, and how many jobs wait.
 *
 * @module
 */
import { DEFAULT_QUEUE, keysOf, TIMING } from "./protocol.ts";
import { checkRedis, loadRedisLibraries } from "./redis.ts";
import type { RedisTarget } from "./url.ts";

/**
 * A worker as it last said it was alive.
 *
 * @example
 * ```ts
 * import type { WorkerInfo } from "./status.ts";
 * const w: WorkerInfo = { name: "build-7:41234", slots: 8, allowEval: false, seenMsAgo: 800 };
 * ```
 */
export interface WorkerInfo {
  /** `host:pid`. */
  name: string;
  /** Most tasks it runs at once. */
  slots: number;
  /** Whether it runs eval tasks. */
  allowEval: boolean;
  /** How long ago it said it was alive, in ms. */
  seenMsAgo: number;
}

/**
 * The state of a queue.
 *
 * @example
 * ```ts
 * import type { QueueStatus } from "./status.ts";
 * const s: QueueStatus = { workers: [], waiting: 0, active: 0 };
 * ```
 */
export interface QueueStatus {
  /** Workers seen alive lately (within the time a coordinator is deemed alive), by name. */
  workers: WorkerInfo[];
  /** Jobs waiting for a worker. */
  waiting: number;
  /** Jobs a worker is running. */
  active: number;
}

/**
 * Checks the connection and permissions (as a run does before it starts), then reads the queue.
 *
 * @throws {RemoteError} when Redis cannot be reached or the user lacks a permission.
 * @example
 * ```ts
 * import { queueStatus } from "./status.ts";
 * import { parseRedisUrl } from "./url.ts";
 * const status = await queueStatus(parseRedisUrl("redis://127.0.0.1:6379"));
 * console.log(status.workers.length);
 * ```
 */
export async function queueStatus(target: RedisTarget, queue: string = DEFAULT_QUEUE): Promise<QueueStatus> {
  const libs = await loadRedisLibraries();
  await checkRedis(libs, target, queue);
  const client = new libs.Redis(target.url, { enableReadyCheck: false, retryStrategy: () => null });
  client.on("error", () => {});
  const bull = new libs.Queue(queue, { connection: client, skipVersionCheck: true });
  try {
    const keys = keysOf(queue);
    const now = Date.now();
    const seen = await client.zrangebyscore(keys.workers, now - TIMING.aliveMs, "+inf", "WITHSCORES");
    const info = await client.hgetall(`${keys.workers}:info`);
    const workers: WorkerInfo[] = [];
    for (let i = 0; i < seen.length; i += 2) {
      const details = JSON.parse(info[seen[i]] ?? "{}");
      workers.push({
        name: seen[i],
        slots: details.slots ?? 0,
        allowEval: details.allowEval === true,
        seenMsAgo: Math.max(0, now - Number(seen[i + 1])),
      });
    }
    workers.sort((a, b) => a.name.localeCompare(b.name));
    const counts = await bull.getJobCounts("waiting", "active");
    return { workers, waiting: counts.waiting ?? 0, active: counts.active ?? 0 };
  } finally {
    await bull.close().catch(() => {});
    client.disconnect();
  }
}

/**
 * The status as `dagrun check --redis` prints it.
 *
 * @example
 * ```ts
 * import { formatQueueStatus } from "./status.ts";
 * console.log(formatQueueStatus("redis://127.0.0.1:6379", "dagrun", { workers: [], waiting: 0, active: 0 }));
 * ```
 */
export function formatQueueStatus(display: string, queue: string, status: QueueStatus): string {
  const lines = [
    `Redis at ${display}: ok, queue "${queue}": ${status.waiting} waiting, ${status.active} running`,
  ];
  if (status.workers.length === 0) {
    lines.push("No worker is taking jobs: start some with dagrun worker --redis URL");
  } else {
    const slots = status.workers.reduce((n, w) => n + w.slots, 0);
    lines.push(`${status.workers.length} worker(s), ${slots} slots:`);
    for (const w of status.workers) {
      lines.push(`  ${w.name}  ${w.slots} slot(s)${w.allowEval ? ", eval allowed" : ""}`);
    }
  }
  return lines.join("\n") + "\n";
}
