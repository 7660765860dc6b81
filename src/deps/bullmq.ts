/**
 * BullMQ, the job queue on Redis that remote execution uses, from npm. Heavy (about half a
 * second to load): only `src/remote/redis.ts` imports it, dynamically, when `--redis` or
 * `dagrun worker` is used. See `src/deps/jsonc_parser.ts` for why every npm package is imported from
 * `src/deps/`.
 *
 * @module
 */
export { type Job, Queue, Worker } from "npm:bullmq@^6.7.0";
