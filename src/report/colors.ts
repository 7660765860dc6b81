/**
 * Terminal colours: when to use them (`--color`, `NO_COLOR`, `FORCE_COLOR`, a terminal) and a
 * stable colour for each task name.
 *
 * @module
 */
import type { TaskStatus } from "../events.ts";

/** `--color` choices. */
export type ColorMode = "auto" | "always" | "never";

/**
 * Whether to colour a stream: `always`/`never` win; under `auto`, a non-empty `NO_COLOR` turns
 * colours off, a non-empty `FORCE_COLOR` turns them on (`0` and `false` off, as Node reads it),
 * else only a terminal that is not `TERM=dumb` gets them (see no-color.org and force-color.org).
 *
 * @example
 * ```ts
 * import { useColor } from "./colors.ts";
 * useColor("auto", true, { NO_COLOR: "1" }); // false
 * useColor("always", false, {}); // true
 * ```
 */
export function useColor(
  mode: ColorMode,
  isTTY: boolean,
  env: Readonly<Record<string, string | undefined>>,
): boolean {
  if (mode !== "auto") return mode === "always";
  if (env.NO_COLOR) return false;
  const force = env.FORCE_COLOR;
  if (force) return force !== "0" && force !== "false";
  return isTTY && env.TERM !== "dumb";
}

/** Task name colours: neither red nor green, which mean failed and ok. */
const TASK_COLORS = [36, 35, 33, 34, 96, 95, 93, 94];
const STATUS_COLORS: Record<TaskStatus, number> = { ok: 32, failed: 31, skipped: 33 };

/**
 * Wraps text in ANSI colours, or passes it through unchanged when colours are off.
 *
 * @example
 * ```ts
 * import { Colors } from "./colors.ts";
 * const c = new Colors(true);
 * c.task("build", "[build]"); // "[build]" in one colour, the same every run
 * new Colors(false).status("failed"); // "failed"
 * ```
 */
export class Colors {
  /** Whether colours are on. */
  readonly enabled: boolean;

  /** Colours on (`true`) or off. */
  constructor(enabled: boolean) {
    this.enabled = enabled;
  }

  /** `text` in the colour of task `name`: a hash of the name, so it is the same every run. */
  task(name: string, text = name): string {
    let hash = 0;
    for (let i = 0; i < name.length; i++) hash = (hash * 31 + name.charCodeAt(i)) >>> 0;
    return this.#paint(TASK_COLORS[hash % TASK_COLORS.length], text);
  }

  /** `text` (default: the status) in the status's colour: green ok, red failed, yellow skipped. */
  status(status: TaskStatus, text: string = status): string {
    return this.#paint(STATUS_COLORS[status], text);
  }

  /** Bold, for headings. */
  bold(text: string): string {
    return this.enabled ? `\x1b[1m${text}\x1b[22m` : text;
  }

  /** Dim, for secondary text. */
  dim(text: string): string {
    return this.enabled ? `\x1b[2m${text}\x1b[22m` : text;
  }

  #paint(code: number, text: string): string {
    return this.enabled ? `\x1b[${code}m${text}\x1b[39m` : text;
  }
}
