/**
 * Signed jobs: the coordinator signs each job with a key it shares with the workers, and a
 * worker runs only jobs whose signature matches. Whoever can write to the queue could otherwise
 * run any command on every worker.
 *
 * @module
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { Buffer } from "node:buffer";
import { readFileSync } from "node:fs";
import { RemoteError } from "./errors.ts";
import { intrinsics } from "../intrinsics.ts";

const { TextEncoder } = intrinsics;

/**
 * The shared key, from `--key-file PATH` or else the `DAGRUN_KEY` variable. `undefined` only
 * with `insecure`: without a key, both sides refuse to start.
 *
 * @throws {RemoteError} when there is no key and `insecure` is not set, or the file cannot be read or is empty.
 * @example
 * ```ts
 * import { loadKey } from "./sign.ts";
 * const key = loadKey({ env: { DAGRUN_KEY: "correct horse battery staple" } });
 * ```
 */
export function loadKey(options: {
  keyFile?: string;
  env: Readonly<Record<string, string | undefined>>;
  insecure?: boolean;
}): Uint8Array | undefined {
  let text: string | undefined;
  if (options.keyFile !== undefined) {
    try {
      text = readFileSync(options.keyFile, "utf8").trim();
    } catch (e) {
      throw new RemoteError(`--key-file: cannot read ${options.keyFile}: ${(e as Error).message}`);
    }
    if (text === "") throw new RemoteError(`--key-file: ${options.keyFile} is empty`);
  } else if (options.env.DAGRUN_KEY) text = options.env.DAGRUN_KEY;
  if (text !== undefined) return new TextEncoder().encode(text);
  if (options.insecure) return undefined;
  throw new RemoteError(
    "no key to sign jobs with: set DAGRUN_KEY or give --key-file PATH (the same on the coordinator and " +
      "every worker), or --insecure to let anyone who can write to the queue run commands on the workers",
  );
}

/**
 * The signature of `payload` (hex HMAC-SHA256), or `""` without a key.
 *
 * @example
 * ```ts
 * import { sign } from "./sign.ts";
 * const signature = sign(new TextEncoder().encode("key"), '{"task":"a"}');
 * ```
 */
export function sign(key: Uint8Array | undefined, payload: string): string {
  return key === undefined ? "" : createHmac("sha256", key).update(payload).digest("hex");
}

/**
 * Whether `signature` is `payload`'s under `key` (compared in constant time). Without a key
 * (`--insecure`) every job passes.
 *
 * @example
 * ```ts
 * import { sign, verify } from "./sign.ts";
 * const key = new TextEncoder().encode("key");
 * verify(key, "x", sign(key, "x")); // true
 * ```
 */
export function verify(key: Uint8Array | undefined, payload: string, signature: string): boolean {
  if (key === undefined) return true;
  const expected = Buffer.from(sign(key, payload), "hex");
  const given = Buffer.from(signature, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}
