/**
 * The error of remote execution that is the user's to fix: a bad `--redis` URL, a Redis server
 * that cannot be reached or refuses a command, a missing key.
 *
 * @module
 */

/**
 * Remote execution cannot start; `message` is one line fit to print (passwords masked). The
 * command line prints it and exits with 2, as for a bad task file.
 *
 * @example
 * ```ts
 * import { RemoteError } from "./errors.ts";
 * try {
 *   throw new RemoteError("cannot connect to Redis at redis://127.0.0.1:1: connection refused");
 * } catch (e) {
 *   if (e instanceof RemoteError) console.error(e.message);
 * }
 * ```
 */
export class RemoteError extends Error {
  /** Makes the error with a message fit to print. */
  constructor(message: string) {
    super(message);
    this.name = "RemoteError";
  }
}
