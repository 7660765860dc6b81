/**
 * The JSON report file, written atomically.
 *
 * @module
 */
import { rename, writeFile } from "node:fs/promises";
import process from "node:process";
import type { RunReport } from "../events.ts";

/**
 * Writes `report` as JSON to `path`: first to a temporary file beside it, then renamed over it,
 * so a reader never sees half a report.
 *
 * @example
 * ```ts
 * import { run } from "../../mod.ts";
 * import { writeJsonReport } from "./json.ts";
 * await writeJsonReport("report.json", await run([{ name: "a", type: "eval", arguments: "" }]));
 * ```
 */
export function writeJsonReport(path: string, report: RunReport): Promise<void> {
  return writeJsonFile(path, report);
}

/**
 * Writes any value as indented JSON to `path`, atomically (temporary file, then rename).
 *
 * @example
 * ```ts
 * import { writeJsonFile } from "./json.ts";
 * await writeJsonFile("trace.json", { traceEvents: [] });
 * ```
 */
export async function writeJsonFile(path: string, value: unknown): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify(value, null, 2) + "\n");
  await rename(temporary, path);
}
