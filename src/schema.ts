/**
 * The JSON Schema (draft-07) of a task file. `schema/tasks.schema.json` is written from this object
 * by `scripts/gen_schema.ts` (a test checks that the two agree), so editors can use the file while
 * the code needs no file read at run time.
 *
 * It accepts every file the assignment's schema accepts, except that it drops that schema's
 * `^(.*)$` patterns, which in JavaScript reject multi-line snippets. Extra properties stay allowed
 * (the loader warns about unknown task properties instead).
 *
 * @module
 */

/**
 * The task file schema.
 *
 * @example
 * ```ts
 * import { taskFileSchema } from "./schema.ts";
 * console.log(Object.keys(taskFileSchema.properties.tasks.items.properties));
 * ```
 */
export const taskFileSchema = {
  $schema: "http://json-schema.org/draft-07/schema#",
  $id: "https://github.com/dagrun/dagrun/schema/tasks.schema.json",
  title: "dagrun task file",
  description: "Tasks that dagrun runs with the most concurrency their dependencies allow.",
  type: "object",
  required: ["tasks"],
  properties: {
    tasks: {
      description: "The tasks, in any order; the report lists them in this order.",
      type: "array",
      items: {
        type: "object",
        required: ["name", "type", "arguments"],
        properties: {
          name: {
            description: "Unique name of the task; dependencies refer to it.",
            type: "string",
            examples: ["build"],
          },
          type: {
            description: "exec: a shell command. eval: the body of a JavaScript async function.",
            type: "string",
            enum: ["exec", "eval"],
          },
          arguments: {
            description:
              "The shell command (exec) or JavaScript source (eval: may use await, console and signal).",
            type: "string",
            examples: ["make all", "await new Promise((r) => setTimeout(r, 1000));"],
          },
          dependencies: {
            description: "Names of tasks that must succeed before this one starts.",
            type: "array",
            items: { type: "string" },
          },
        },
      },
    },
  },
} as const;
