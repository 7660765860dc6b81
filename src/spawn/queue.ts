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
import { SlotQueue } from "../slot_queue.ts";
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

/** How {@linkcode SpawnQueue} spawns and how long it waits; tests change them. */
export interface QueueOptions {
  /** Starts the shell. Default: this runtime's `spawnShell`. */
  spawn?: typeof spawnShell;
  /** See {@linkcode GIVE_UP_MS}. Default: `GIVE_UP_MS`. */
  giveUpMs?: number;
}

/**
 * Starts shell commands, waiting while the system pushes back. A slot is a process of dagrun's
 * own (or a start under way); the cap is the slots' limit. Each run has its own queue (the exec
 * executor's run instance), so a cap learnt in one run is not the next run's.
 *
 * @example
 * ```ts
 * import { SpawnQueue } from "./queue.ts";
 * const queue = new SpawnQueue();
 * const p = await queue.start("echo hi", { onStdout: () => {}, onStderr: () => {} }, new AbortController().signal);
 * console.log((await p!.exit).code); // 0
 * ```
 */
export class SpawnQueue {
  readonly #slots = new SlotQueue();
  readonly #spawn: typeof spawnShell | undefined;
  readonly #giveUpMs: number;
  /**
   * dagrun's processes that run now. Not the slots in use: those also count starts under way, and
   * on Node every start of a burst is under way when the first refusal arrives (a tick later), so
   * a cap learnt from them would be no cap, and refused spawns would leak their pipes (see above).
   */
  #live = 0;
  #retryTimer: ReturnType<typeof setInterval> | undefined;

  /** A queue with no cap yet. */
  constructor(options: QueueOptions = {}) {
    this.#spawn = options.spawn;
    this.#giveUpMs = options.giveUpMs ?? GIVE_UP_MS;
  }

  /** Most processes at once: `Infinity` until the first refusal sets it. */
  get cap(): number {
    return this.#slots.limit;
  }

  /**
   * Starts `command` like `spawnShell`, waiting while the system pushes back. Resolves to
   * `undefined` if `signal` is aborted first. Any other spawn error rejects, and so does a refusal
   * that lasts {@linkcode GIVE_UP_MS} while none of dagrun's processes runs.
   */
  async start(
    command: string,
    options: ShellOptions,
    signal: AbortSignal,
  ): Promise<ShellProcess | undefined> {
    if (!this.#spawn) await chooseSpawn();
    const spawn = this.#spawn ?? spawnShell;
    const slots = this.#slots;
    if (!await this.#turn(slots.take(signal))) return undefined;
    let alone: number | undefined;
    for (;;) {
      if (signal.aborted) return slots.release(), undefined;
      const result = await trySpawn(spawn, command, options);
      if (!(result instanceof Error)) {
        this.#live++;
        const release = () => {
          this.#live--;
          slots.release();
        };
        Promise.all([result.exit, result.closed]).then(release, release);
        // There may be room for more: let the next waiter try too.
        slots.wake();
        return result;
      }
      const others = this.#live;
      if (others === 0) {
        // Refused with none of dagrun's processes running: none will end to make room.
        alone ??= Date.now();
        if (Date.now() - alone > this.#giveUpMs) {
          slots.release();
          throw result;
        }
      } else {
        alone = undefined;
      }
      if (others > 0 && slots.limit === Infinity) slots.limit = Math.max(1, Math.floor(others * CAP_SHARE));
      if (!await this.#turn(slots.retake(signal))) return undefined;
    }
  }

  /** Waits for `taking`; the head of the queue also tries again every {@linkcode RETRY_MS} meanwhile. */
  async #turn(taking: Promise<boolean>): Promise<boolean> {
    if (this.#slots.waiting > 0) this.#retryTimer ??= setInterval(() => this.#slots.wake(), RETRY_MS);
    const taken = await taking;
    if (this.#slots.waiting === 0) {
      clearInterval(this.#retryTimer);
      this.#retryTimer = undefined;
    }
    return taken;
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
