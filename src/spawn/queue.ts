/**
 * Spawning under push-back. When the system refuses a new process for lack of a shared resource
 * (file descriptors: EMFILE, ENFILE; processes or memory: EAGAIN, ENOMEM), the spawn waits in a
 * first-come queue and is tried again as soon as one of dagrun's own processes has exited and
 * closed its pipes, which frees what the spawn was refused for. A slow timer retries as well, for
 * push-back caused by something else than dagrun's own children.
 *
 * The first refusal also sets a cap a little below the number of processes running then, and no
 * more than that many run at once from then on: a refused spawn is not free. Node (20) leaks the
 * two pipes it made for a spawn refused with EMFILE, so trying again and again at the limit ran
 * out of file descriptors for good (measured: 1000 `true` tasks under `ulimit -n 256` hung with
 * 769 waiting and 234 leaked sockets).
 *
 * Starts that find the queue non-empty join its end, so a task that became ready later never
 * overtakes one that waited, and a task that waits is never starved by a flood of new ones.
 *
 * @module
 */
import { chooseSpawn, spawnShell } from "./mod.ts";
import type { ShellOptions, ShellProcess } from "./types.ts";
import { intrinsics } from "../intrinsics.ts";

const { Promise, setInterval, clearInterval } = intrinsics;

/** Error codes that mean "not now", not "never". */
const PUSH_BACK = new Set(["EMFILE", "ENFILE", "EAGAIN", "ENOMEM"]);

/** The share of the processes running at the first refusal that the cap allows. */
const CAP_SHARE = 0.9;

/**
 * How long the system may refuse a spawn while none of dagrun's processes runs before the task
 * fails with the refusal: nothing of dagrun's will end to make room, so waiting on could be
 * forever (measured: under `ulimit -n 20` a one-task run never ended).
 */
export const GIVE_UP_MS = 10_000;

/** How often the head of the queue tries again when no child exits to wake it, in ms. */
const RETRY_MS = 50;

let live = 0;
/** Most processes at once, learnt from the first refusal. */
let cap = Infinity;
const waiting: (() => void)[] = [];
let retryTimer: ReturnType<typeof setInterval> | undefined;

/** How {@linkcode startShell} spawns and how long it waits; tests change them. */
export interface QueueOptions {
  /** Starts the shell. Default: this runtime's `spawnShell`. */
  spawn?: typeof spawnShell;
  /** See {@linkcode GIVE_UP_MS}. Default: `GIVE_UP_MS`. */
  giveUpMs?: number;
}

/**
 * Starts `command` like `spawnShell`, waiting while the system pushes back. Resolves to
 * `undefined` if `signal` is aborted first. Any other spawn error rejects, and so does a refusal
 * that lasts {@linkcode GIVE_UP_MS} while none of dagrun's processes runs.
 *
 * @example
 * ```ts
 * import { startShell } from "./queue.ts";
 * const p = await startShell("echo hi", { onStdout: () => {}, onStderr: () => {} }, new AbortController().signal);
 * console.log((await p!.exit).code); // 0
 * ```
 */
export async function startShell(
  command: string,
  options: ShellOptions,
  signal: AbortSignal,
  queue: QueueOptions = {},
): Promise<ShellProcess | undefined> {
  if (!queue.spawn) await chooseSpawn();
  const spawn = queue.spawn ?? spawnShell;
  const giveUpMs = queue.giveUpMs ?? GIVE_UP_MS;
  if ((waiting.length || live >= cap) && !await turn(signal, false)) return undefined;
  let alone: number | undefined;
  for (;;) {
    if (signal.aborted) return wakeNext(), undefined;
    const result = live < cap ? await trySpawn(spawn, command, options) : undefined;
    if (result && !(result instanceof Error)) {
      track(result);
      // There may be room for more: let the next waiter try too.
      wakeNext();
      return result;
    }
    if (result && live === 0) {
      // Refused with none of dagrun's processes running: none will end to make room.
      alone ??= Date.now();
      if (Date.now() - alone > giveUpMs) {
        wakeNext();
        throw result;
      }
    } else {
      alone = undefined;
    }
    if (live > 0 && cap === Infinity) cap = Math.max(1, Math.floor(live * CAP_SHARE));
    if (!await turn(signal, true)) return undefined;
  }
}

/** One attempt: the process, or the error with which the system pushed back. */
async function trySpawn(
  spawn: typeof spawnShell,
  command: string,
  options: ShellOptions,
): Promise<ShellProcess | Error> {
  let proc: ShellProcess;
  try {
    proc = spawn(command, options);
  } catch (e) {
    // Deno reports a failed spawn at once, by throwing.
    if (PUSH_BACK.has((e as { code?: string }).code ?? "")) return e as Error;
    throw e;
  }
  // Node reports it on the next tick, as an error event (and the process never got a pid, nor
  // pipes to wait for).
  if (proc.pid > 0) return proc;
  proc.closed.catch(() => {});
  const error = await proc.exit.then(() => undefined, (e: unknown) => e);
  if (PUSH_BACK.has((error as { code?: string })?.code ?? "")) return error as Error;
  throw error ?? new Error(`cannot start the shell for: ${command}`);
}

function track(proc: ShellProcess): void {
  live++;
  const release = () => {
    live--;
    wakeNext();
  };
  Promise.all([proc.exit, proc.closed]).then(release, release);
}

/** Waits for this caller's turn: `true` when it may try, `false` when `signal` was aborted. */
function turn(signal: AbortSignal, front: boolean): Promise<boolean> {
  return new Promise((resolve) => {
    const go = () => {
      signal.removeEventListener("abort", stop);
      resolve(true);
    };
    const stop = () => {
      const at = waiting.indexOf(go);
      if (at >= 0) waiting.splice(at, 1);
      if (!waiting.length) stopTimer();
      resolve(false);
    };
    if (signal.aborted) return resolve(false);
    signal.addEventListener("abort", stop, { once: true });
    if (front) waiting.unshift(go);
    else waiting.push(go);
    retryTimer ??= setInterval(wakeNext, RETRY_MS);
  });
}

function wakeNext(): void {
  const next = waiting.shift();
  if (!waiting.length) stopTimer();
  next?.();
}

function stopTimer(): void {
  clearInterval(retryTimer);
  retryTimer = undefined;
}
