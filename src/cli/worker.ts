/**
 * `dagrun worker --redis URL [--queue NAME] [--slots N] [--allow-eval]`: a long-running worker
 * that runs the tasks of `dagrun run --redis` coordinators. SIGINT/SIGTERM stop it gracefully
 * (running tasks get `--grace` seconds, then are handed back); a second one stops them at once.
 *
 * @module
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { type CliIO, EXIT, UsageError, usageErrors } from "./common.ts";
import { intrinsics } from "../intrinsics.ts";

const { Promise } = intrinsics;

/**
 * Runs `dagrun worker` with `args` (after the word `worker`) until it is told to stop; returns
 * the exit code.
 *
 * @throws {UsageError} for bad options.
 * @throws {RemoteError} when Redis cannot be reached, or there is no key.
 * @example
 * ```ts
 * import { workerCommand } from "./worker.ts";
 * import { processIO } from "./common.ts";
 * const code = await workerCommand(["--redis", "redis://127.0.0.1:6379", "--slots", "4"], processIO);
 * ```
 */
export async function workerCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = usageErrors(() =>
    parseArgs({
      args,
      options: {
        redis: { type: "string" },
        queue: { type: "string" },
        slots: { type: "string" },
        "allow-eval": { type: "boolean" },
        "key-file": { type: "string" },
        insecure: { type: "boolean" },
        grace: { type: "string" },
      },
      allowPositionals: true,
    })
  );
  if (positionals.length) throw new UsageError(`dagrun worker takes no file: "${positionals[0]}"`);
  const url = values.redis ?? (io.env?.DAGRUN_REDIS || undefined);
  if (url === undefined) throw new UsageError("dagrun worker needs --redis URL (or DAGRUN_REDIS)");
  if (values.queue === "") throw new UsageError("--queue must not be empty");
  const slots = values.slots === undefined ? undefined : Number(values.slots);
  if (slots !== undefined && !(Number.isInteger(slots) && slots >= 1)) {
    throw new UsageError(`--slots must be a whole number of 1 or more, not "${values.slots}"`);
  }
  const grace = values.grace === undefined ? 10 : Number(values.grace);
  if (!(grace >= 0 && grace !== Infinity)) {
    throw new UsageError(`--grace must be a number of seconds, 0 or more, not "${values.grace}"`);
  }
  const [{ runWorker }, { parseRedisUrl }, { loadKey }] = await Promise.all([
    import("../remote/worker.ts"),
    import("../remote/url.ts"),
    import("../remote/sign.ts"),
  ]);
  const target = parseRedisUrl(url);
  const key = loadKey({ keyFile: values["key-file"], env: io.env ?? {}, insecure: values.insecure });
  const stop = new AbortController();
  const kill = new AbortController();
  const onSignal = () => (stop.signal.aborted ? kill.abort() : stop.abort());
  const signals = ["SIGINT", "SIGTERM"] as const;
  for (const s of signals) process.on(s, onSignal);
  const log = (line: string) => {
    io.write("stderr", `${new Date().toISOString()} ${line}\n`);
    io.flush?.();
  };
  try {
    await runWorker({
      target,
      queue: values.queue,
      slots,
      allowEval: values["allow-eval"] === true,
      key,
      signal: stop.signal,
      killSignal: kill.signal,
      graceMs: grace * 1000,
      log,
    });
  } finally {
    for (const s of signals) process.off(s, onSignal);
  }
  return EXIT.ok;
}
