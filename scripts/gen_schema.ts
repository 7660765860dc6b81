/**
 * Writes `schema/tasks.schema.json` from `src/schema.ts`: `deno run -A scripts/gen_schema.ts`.
 *
 * @module
 */
import { writeFile } from "node:fs/promises";
import { taskFileSchema } from "../src/schema.ts";

/** The schema file's text: what this script writes and what the schema test expects to find. */
export function schemaFileText(): string {
  return JSON.stringify(taskFileSchema, null, 2) + "\n";
}

if (import.meta.main) {
  const target = new URL("../schema/tasks.schema.json", import.meta.url);
  await writeFile(target, schemaFileText());
  console.log(`wrote ${target.pathname}`);
}
