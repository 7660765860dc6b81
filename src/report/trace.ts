/**
 * The run as a Chrome Trace Event Format file, for Perfetto (ui.perfetto.dev) and
 * chrome://tracing: one complete (`"ph": "X"`) event per task that ran, on the row (`tid`) of the
 * concurrency slot it ran in.
 *
 * @module
 */
import type { RunEvent } from "../events.ts";

/**
 * One complete event of the trace.
 *
 * @example
 * ```ts
 * import type { TraceEvent } from "./trace.ts";
 * const e: TraceEvent = {
 *   name: "build", cat: "exec", ph: "X", ts: 0, dur: 1500000, pid: 1, tid: 1,
 *   args: { status: "ok", exitCode: 0 },
 * };
 * ```
 */
export interface TraceEvent {
  name: string;
  /** The task type. */
  cat: string;
  ph: "X";
  /** Start, in µs since the run started. */
  ts: number;
  /** Duration in µs. */
  dur: number;
  pid: number;
  /** The slot: the lowest numbered one (from 1) that no running task held when this one started. */
  tid: number;
  args: { status: string; exitCode?: number; signal?: string; error?: string };
}

/**
 * Collects the trace from run events. Feed it every event; `trace()` returns the JSON object.
 *
 * @example
 * ```ts
 * import { run } from "../../mod.ts";
 * import { TraceRecorder } from "./trace.ts";
 * const recorder = new TraceRecorder();
 * await run([{ name: "a", type: "exec", arguments: "true" }], { onEvent: (e) => recorder.handle(e) });
 * console.log(JSON.stringify(recorder.trace()));
 * ```
 */
export class TraceRecorder {
  readonly #events: TraceEvent[] = [];
  /** Slot of each running task, by index. */
  readonly #slotOf = new Map<number, number>();
  /** Freed slots, lowest first, so rows stay dense. */
  readonly #free: number[] = [];
  #slots = 0;

  /** Records one event. */
  handle(event: RunEvent): void {
    if (event.type === "started") {
      let slot: number;
      if (this.#free.length) {
        let k = 0;
        for (let j = 1; j < this.#free.length; j++) if (this.#free[j] < this.#free[k]) k = j;
        slot = this.#free[k];
        this.#free[k] = this.#free[this.#free.length - 1];
        this.#free.pop();
      } else {
        slot = ++this.#slots;
      }
      this.#slotOf.set(event.index, slot);
    } else if (event.type === "ended") {
      const slot = this.#slotOf.get(event.index)!;
      this.#slotOf.delete(event.index);
      this.#free.push(slot);
      const r = event.report;
      const args: TraceEvent["args"] = { status: r.status };
      if (r.exitCode !== undefined) args.exitCode = r.exitCode;
      if (r.signal !== undefined) args.signal = r.signal;
      if (r.error !== undefined) args.error = r.error;
      this.#events.push({
        name: r.name,
        cat: r.type,
        ph: "X",
        ts: Math.round(r.startMs! * 1000),
        dur: Math.round(r.durationMs! * 1000),
        pid: 1,
        tid: slot,
        args,
      });
    }
  }

  /** The trace so far as a JSON-ready object, with a name for the process and each slot's row. */
  trace(): { traceEvents: object[]; displayTimeUnit: "ms" } {
    const names = [{ name: "process_name", ph: "M", pid: 1, tid: 0, args: { name: "dagrun" } }];
    for (let slot = 1; slot <= this.#slots; slot++) {
      names.push({ name: "thread_name", ph: "M", pid: 1, tid: slot, args: { name: `slot ${slot}` } });
    }
    return { traceEvents: [...names, ...this.#events], displayTimeUnit: "ms" };
  }
}
