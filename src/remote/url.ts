/**
 * The `--redis` URL: checked before anything connects, and shown with its password masked.
 *
 * @module
 */
import { RemoteError } from "./errors.ts";

/**
 * A Redis server to connect to.
 *
 * @example
 * ```ts
 * import { parseRedisUrl } from "./url.ts";
 * const target = parseRedisUrl("redis://dagrun:secret@10.0.0.5:6379/0");
 * console.log(target.display); // redis://dagrun:***@10.0.0.5:6379/0
 * ```
 */
export interface RedisTarget {
  /** The URL as given, password included: what the client connects to. */
  readonly url: string;
  /** The URL with its password replaced by `***`: what messages show. */
  readonly display: string;
}

/**
 * Checks a `redis://` or `rediss://` (TLS) URL: scheme, host, port, database number.
 *
 * @throws {RemoteError} naming what is wrong, with the password masked.
 * @example
 * ```ts
 * import { parseRedisUrl } from "./url.ts";
 * parseRedisUrl("rediss://default:pw@redis.example.com:6380").display; // rediss://default:***@redis.example.com:6380
 * ```
 */
export function parseRedisUrl(text: string): RedisTarget {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RemoteError(
      `--redis: "${maskPassword(text)}" is not a URL; write redis://[USER:PASSWORD@]HOST[:PORT][/DB] ` +
        `(rediss:// for TLS)`,
    );
  }
  const display = maskPassword(text);
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
    throw new RemoteError(
      `--redis: unknown scheme "${url.protocol.slice(0, -1)}" in ${display}; use redis:// or rediss:// (TLS)`,
    );
  }
  if (url.hostname === "") throw new RemoteError(`--redis: no host in ${display}`);
  const db = url.pathname.replace(/^\//, "");
  if (db !== "" && !/^\d+$/.test(db)) {
    throw new RemoteError(
      `--redis: the path of ${display} must be a database number such as /0, not "/${db}"`,
    );
  }
  return { url: text, display };
}

/**
 * `text` with the password of its user info replaced by `***` (`redis://:pw@h` has a password
 * and no user).
 *
 * @example
 * ```ts
 * import { maskPassword } from "./url.ts";
 * maskPassword("redis://:hunter2@localhost"); // "redis://:***@localhost"
 * ```
 */
export function maskPassword(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*:)[^@/]*@/i, "$1***@");
}
