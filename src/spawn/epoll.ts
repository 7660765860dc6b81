/**
 * One epoll set for every pipe and pidfd of the FFI spawn, waited on by one `epoll_wait` at a
 * time on a Deno blocking thread, its events handled on the main thread.
 *
 * - Each registration gets a token, carried in the event's `data`: an fd number is reused as soon
 *   as it is closed, so an event that was reported before a close must not reach the fd's next
 *   owner. A token that is gone is ignored.
 * - The wait runs only while something is registered. When the last registration goes while a
 *   wait is in flight, an eventfd wakes it, so a pending call never keeps dagrun alive; a timeout
 *   bounds the wait anyway.
 * - Level-triggered: a handler reads once per report, and what it did not read is reported again.
 * - `epoll_wait` failing (EINTR when a signal lands on its thread) is simply waited again.
 *
 * @module
 */
import { C, type Libc, systemError } from "./libc.ts";

/** Called on the main thread with the epoll event bits of a ready registration. */
export type ReadyHandler = (events: number) => void;

/** Events returned by one wait at most. */
const MAX_EVENTS = 256;

/** The longest one wait lasts, in ms: a safety net under the eventfd wake-up. */
const WAIT_MS = 1000;

/** The token of the eventfd that wakes a wait. */
const WAKE = 0;

/**
 * An epoll set with tokens and handlers.
 *
 * @example
 * ```ts
 * import { openLibc } from "./libc.ts";
 * import { Poller } from "./epoll.ts";
 * const libc = openLibc();
 * if (typeof libc !== "string") {
 *   const poller = new Poller(libc);
 *   console.log(poller.size); // 0
 * }
 * ```
 */
export class Poller {
  #libc: Libc;
  #epfd: number;
  #wakefd: number;
  #handlers = new Map<number, ReadyHandler>();
  #nextToken = WAKE + 1;
  #waiting = false;
  #event: Uint8Array;
  #eventView: DataView;
  #events: Uint8Array;
  #eventsView: DataView;
  #eight = new Uint8Array(new ArrayBuffer(8));

  constructor(libc: Libc) {
    this.#libc = libc;
    const { fn } = libc;
    this.#epfd = fn.epoll_create1(C.O_CLOEXEC);
    if (this.#epfd < 0) throw systemError("epoll_create1", libc.errno());
    this.#wakefd = fn.eventfd(0, C.EFD_CLOEXEC | C.EFD_NONBLOCK);
    if (this.#wakefd < 0) throw systemError("eventfd", libc.errno());
    this.#event = new Uint8Array(new ArrayBuffer(16));
    this.#eventView = new DataView(this.#event.buffer);
    this.#events = new Uint8Array(new ArrayBuffer(MAX_EVENTS * libc.epoll.size));
    this.#eventsView = new DataView(this.#events.buffer);
    this.#ctl(C.EPOLL_CTL_ADD, this.#wakefd, WAKE, C.EPOLLIN);
  }

  /** How many registrations there are. */
  get size(): number {
    return this.#handlers.size;
  }

  /** Watches `fd` for `events` (EPOLLIN; hang-ups and errors always); returns the token. */
  add(fd: number, events: number, handler: ReadyHandler): number {
    const token = this.#nextToken++;
    this.#ctl(C.EPOLL_CTL_ADD, fd, token, events);
    this.#handlers.set(token, handler);
    if (!this.#waiting) this.#loop();
    return token;
  }

  /** Changes what `fd` is watched for: 0 pauses it (its data waits in the pipe). */
  modify(fd: number, token: number, events: number): void {
    this.#ctl(C.EPOLL_CTL_MOD, fd, token, events);
  }

  /** Stops watching `fd`, before it is closed. */
  remove(fd: number, token: number): void {
    if (!this.#handlers.delete(token)) return;
    this.#libc.fn.epoll_ctl(this.#epfd, C.EPOLL_CTL_DEL, fd, this.#event);
    if (this.#handlers.size === 0 && this.#waiting) {
      new DataView(this.#eight.buffer).setBigUint64(0, 1n, true);
      this.#libc.fn.write(this.#wakefd, this.#eight, 8);
    }
  }

  #ctl(op: number, fd: number, token: number, events: number): void {
    const { size, dataOffset } = this.#libc.epoll;
    this.#event.fill(0, 0, size);
    this.#eventView.setUint32(0, events, true);
    this.#eventView.setBigUint64(dataOffset, BigInt(token), true);
    if (this.#libc.fn.epoll_ctl(this.#epfd, op, fd, this.#event) < 0) {
      throw systemError("epoll_ctl", this.#libc.errno());
    }
  }

  async #loop(): Promise<void> {
    this.#waiting = true;
    const { fn, epoll } = this.#libc;
    try {
      while (this.#handlers.size > 0) {
        const n = await fn.epoll_wait(this.#epfd, this.#events, MAX_EVENTS, WAIT_MS);
        for (let i = 0; i < n; i++) {
          const at = i * epoll.size;
          const events = this.#eventsView.getUint32(at, true);
          const token = Number(this.#eventsView.getBigUint64(at + epoll.dataOffset, true));
          if (token === WAKE) fn.read(this.#wakefd, this.#eight, 8);
          else this.#handlers.get(token)?.(events);
        }
      }
    } finally {
      this.#waiting = false;
    }
  }
}
