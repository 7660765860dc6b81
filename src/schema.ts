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
            description: "Unique name of the task; dependencies refer to it. Not empty, and no control " +
              "characters (C0, DEL, C1): names are printed on the terminal, one line each.",
            type: "string",
            minLength: 1,
            pattern: "^[^\\u0000-\\u001f\\u007f-\\u009f]*$",
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
          timeout: {
            description: "Seconds the task may run; then an exec task's whole process group gets SIGTERM " +
              "(SIGKILL after a grace period), an eval task's signal is aborted, and the task fails. " +
              "Default: no limit, or the command line's --timeout.",
            type: "number",
            exclusiveMinimum: 0,
            examples: [60, 0.5],
          },
          retries: {
            description: "How many more times to run the task if it fails (or times out). Dependents wait " +
              "for the final attempt. Default: 0, or the command line's --retries.",
            type: "integer",
            minimum: 0,
            examples: [2],
          },
          retryDelay: {
            description: "Seconds to wait before the first retry; each further retry waits twice as long " +
              "as the one before. Default: 1.",
            type: "number",
            minimum: 0,
            examples: [0.5],
          },
          cwd: {
            description: "Working directory of an exec task, relative to the folder of the task file (the " +
              "current directory when the file is read from stdin). Default: dagrun's current directory.",
            type: "string",
            minLength: 1,
            examples: ["packages/web"],
          },
          env: {
            description: "Environment variables of an exec task, merged over dagrun's environment. A name " +
              "holds no '=' or NUL, a value no NUL (the system cannot pass them).",
            type: "object",
            propertyNames: { minLength: 1, pattern: "^[^=\\u0000]*$" },
            additionalProperties: { type: "string", pattern: "^[^\\u0000]*$" },
            examples: [{ NODE_ENV: "production" }],
          },
          inputs: {
            description: "Glob patterns of the files the task reads, relative to its cwd (default: the " +
              "task file's folder). A task with inputs is incremental: it runs only when its command, " +
              "environment, inputs or dependencies' outputs changed, or its outputs did.",
            type: "array",
            items: { type: "string", minLength: 1 },
            examples: [["src/**/*.ts", "package.json"]],
          },
          outputs: {
            description: "Glob patterns of the files the task writes, relative to its cwd. Their content " +
              "is recorded after each successful run; a dependent wakes only when it changed.",
            type: "array",
            items: { type: "string", minLength: 1 },
            examples: [["dist/**"]],
          },
        },
      },
    },
  },
} as const;
