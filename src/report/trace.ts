/**
 * The run as a Chrome Trace Event Format file, for Perfetto (ui.perfetto.dev) and
 * chrome://tracing: one complete (`"ph": "X"`) event per task that ran (per attempt, for a task
 * that was retried), on the row (`tid`) of the concurrency slot it ran in.
 *
 * @module
 */
import type { RunEvent, TaskReport } from "../events.ts";

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
  /** The task's name. */
  name: string;
  /** The task type. */
  cat: string;
  /** A complete event: one with a start and a duration. */
  ph: "X";
  /** Start, in µs since the run started. */
  ts: number;
  /** Duration in µs. */
  dur: number;
  /** The process: dagrun's pid. */
  pid: number;
  /** The slot: the lowest numbered one (from 1) that no running task held when this one started. */
  tid: number;
  /** How the task (or attempt) ended; `attempt` for a task allowed retries. */
  args: {
    status: string;
    exitCode?: number;
    signal?: string;
    error?: string;
    attempt?: number;
    /** For a task run by a remote worker: ms it waited in the queue before its start, and the worker. */
    queuedMs?: number;
    worker?: string;
  };
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
  /** When the current attempt of each running task started, by index. */
  readonly #attemptStart = new Map<number, number>();
  /** Freed slots, lowest first, so rows stay dense. */
  readonly #free: number[] = [];
  #slots = 0;

  /** Records one event. */
  handle(event: RunEvent): void {
    switch (event.type) {
      case "started":
        // A retried task keeps its slot between attempts, as it keeps its place in the run.
        if (!this.#slotOf.has(event.index)) this.#slotOf.set(event.index, this.#takeSlot());
        this.#attemptStart.set(event.index, event.timeMs);
        return;
      case "retry":
        return this.#add(event.index, event.task.name, event.task.type, event.timeMs, undefined, {
          status: "failed",
          error: event.error,
          attempt: event.attempt,
        });
      case "ended": {
        const r = event.report;
        const args: TraceEvent["args"] = { status: r.status };
        if (r.exitCode !== undefined) args.exitCode = r.exitCode;
        if (r.signal !== undefined) args.signal = r.signal;
        if (r.error !== undefined) args.error = r.error;
        if (r.attempts !== undefined) args.attempt = r.attempts;
        if (r.queuedMs !== undefined) args.queuedMs = r.queuedMs;
        if (r.worker !== undefined) args.worker = r.worker;
        this.#add(event.index, r.name, r.type, r.endMs!, r, args);
        this.#free.push(this.#slotOf.get(event.index)!);
        this.#slotOf.delete(event.index);
        this.#attemptStart.delete(event.index);
      }
    }
  }

  /** The complete event of the attempt of task `index` that ended at `endMs`. */
  #add(
    index: number,
    name: string,
    cat: string,
    endMs: number,
    report: TaskReport | undefined,
    args: TraceEvent["args"],
  ): void {
    const startMs = this.#attemptStart.get(index)!;
    // The report's rounded duration when the event spans the whole task, so the two agree.
    const durationMs = report && report.startMs === startMs ? report.durationMs! : endMs - startMs;
    this.#events.push({
      name,
      cat,
      ph: "X",
      ts: Math.round(startMs * 1000),
      dur: Math.round(durationMs * 1000),
      pid: 1,
      tid: this.#slotOf.get(index)!,
      args,
    });
  }

  /** The lowest free slot, or a new one. */
  #takeSlot(): number {
    if (this.#free.length === 0) return ++this.#slots;
    let k = 0;
    for (let j = 1; j < this.#free.length; j++) if (this.#free[j] < this.#free[k]) k = j;
    const slot = this.#free[k];
    this.#free[k] = this.#free[this.#free.length - 1];
    this.#free.pop();
    return slot;
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
