/**
 * ioredis, the Redis client BullMQ runs on (a peer dependency of bullmq that it does not
 * install), from npm; loaded with bullmq, only for remote execution. See `src/deps/jsonc_parser.ts` for
 * why every npm package is imported from `src/deps/`.
 *
 * @module
 */
export { Redis, type RedisOptions } from "npm:ioredis@^5.11.1";
