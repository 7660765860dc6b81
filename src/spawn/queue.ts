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
import { spawnShell } from "./mod.ts";
import type { ShellOptions, ShellProcess } from "./types.ts";

/** Error codes that mean "not now", not "never". */
const PUSH_BACK = new Set(["EMFILE", "ENFILE", "EAGAIN", "ENOMEM"]);

/** The share of the processes running at the first refusal that the cap allows. */
const CAP_SHARE = 0.9;

/** How often the head of the queue tries again when no child exits to wake it, in ms. */
const RETRY_MS = 50;

let live = 0;
/** Most processes at once, learnt from the first refusal. */
let cap = Infinity;
const waiting: (() => void)[] = [];
let retryTimer: ReturnType<typeof setInterval> | undefined;

/**
 * Starts `command` like `spawnShell`, waiting while the system pushes back. Resolves to
 * `undefined` if `signal` is aborted first. Any other spawn error rejects.
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
): Promise<ShellProcess | undefined> {
  if ((waiting.length || live >= cap) && !await turn(signal, false)) return undefined;
  for (;;) {
    if (signal.aborted) return wakeNext(), undefined;
    const proc = live < cap ? await trySpawn(command, options) : undefined;
    if (proc) {
      track(proc);
      // There may be room for more: let the next waiter try too.
      wakeNext();
      return proc;
    }
    if (live > 0 && cap === Infinity) cap = Math.max(1, Math.floor(live * CAP_SHARE));
    if (!await turn(signal, true)) return undefined;
  }
}

/** One attempt: the process, or `undefined` when the system pushed back. */
async function trySpawn(command: string, options: ShellOptions): Promise<ShellProcess | undefined> {
  let proc: ShellProcess;
  try {
    proc = spawnShell(command, options);
  } catch (e) {
    // Deno reports a failed spawn at once, by throwing.
    if (PUSH_BACK.has((e as { code?: string }).code ?? "")) return undefined;
    throw e;
  }
  // Node reports it on the next tick, as an error event (and the process never got a pid, nor
  // pipes to wait for).
  if (proc.pid > 0) return proc;
  proc.closed.catch(() => {});
  const error = await proc.exit.then(() => undefined, (e: unknown) => e);
  if (PUSH_BACK.has((error as { code?: string })?.code ?? "")) return undefined;
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
