/**
 * Checks parsed JSON against the task file schema (ajv) and warns about unknown task properties.
 *
 * @module
 */
import { taskFileSchema } from "./schema.ts";
import { controlCharAt, nameProblem } from "./names.ts";
import { validate as generatedValidate } from "./schema_validator.ts";
import { closest } from "./suggest.ts";
import type { Problem } from "./task.ts";

/** One schema error, as ajv reports it (the fields we read of its `ErrorObject`). */
interface SchemaError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
  /** Set on the error a property's name caused, under `propertyNames`. */
  propertyName?: string;
}

/**
 * The task file schema compiled ahead of time by `scripts/gen_schema.ts` (ajv's standalone code,
 * every error at once): the start pays neither ajv's loading nor its compiling.
 */
const compiled = generatedValidate as ((data: unknown) => boolean) & { errors?: SchemaError[] | null };

/** Task properties the schema describes; anything else gets a warning. */
const KNOWN_TASK_PROPERTIES = Object.keys(taskFileSchema.properties.tasks.items.properties);

/**
 * Validates `data` against the task file schema. Returns every schema error (with JSON paths)
 * and a warning for each unknown task property, with a suggestion where one is close.
 * `checkPatterns` (`badPatterns` of `patterns.ts`) checks the `inputs`/`outputs` glob patterns: it is
 * a parameter so that a file without patterns loads without the glob library; it is required
 * when a task declares them.
 *
 * @example
 * ```ts
 * import { checkSchema } from "./validate.ts";
 * const { errors } = checkSchema({ tasks: [{ name: "a", type: "run", arguments: "x" }] });
 * console.log(errors[0].message); // "type" must be one of: exec, eval
 * ```
 */
export function checkSchema(
  data: unknown,
  checkPatterns?: PatternCheck,
): { errors: Problem[]; warnings: Problem[] } {
  // An error about a property's name comes twice: as "propertyNames", and as the rule it broke.
  const errors = compiled(data)
    ? []
    : (compiled.errors ?? []).filter((e) => e.propertyName === undefined).map((e) => toProblem(e, data));
  if (errors.length === 0) {
    const tasks = (data as TaskList).tasks;
    if (!checkPatterns && tasks.some((t) => t.inputs !== undefined || t.outputs !== undefined)) {
      throw new Error("checkSchema: tasks declare inputs or outputs, but no pattern check was given");
    }
    errors.push(...tooLong(data as TaskList), ...(checkPatterns?.(tasks) ?? []));
  }
  return { errors, warnings: errors.length ? [] : unknownProperties(data as TaskList) };
}

/**
 * The longest exec command, in bytes, the system takes: Linux passes at most 128 KiB (with its
 * final NUL) in one argument, and `sh -c` gets the command as one. Longer ones failed only when
 * the task ran (`Argument list too long`, `spawn E2BIG`), after the tasks before it.
 */
export const MAX_COMMAND_BYTES = 128 * 1024 - 1;

function tooLong(data: TaskList): Problem[] {
  const problems: Problem[] = [];
  data.tasks.forEach((task, i) => {
    const command = task.arguments as string;
    // Only a command of more than a third of the limit in characters can pass it in bytes.
    if (task.type !== "exec" || command.length * 3 <= MAX_COMMAND_BYTES) return;
    const bytes = new TextEncoder().encode(command).length;
    if (bytes <= MAX_COMMAND_BYTES) return;
    problems.push({
      message:
        `the command is ${bytes} bytes long; the system runs at most ${MAX_COMMAND_BYTES} in one command`,
      task: controlCharAt(task.name as string) < 0 ? task.name as string : undefined,
      path: ["tasks", i, "arguments"],
      hint: "put the command in a script file and run that script",
    });
  });
  return problems;
}

interface TaskList {
  tasks: Record<string, unknown>[];
}

/** Problems of the glob patterns of schema-valid tasks (see `badPatterns` in `patterns.ts`). */
export type PatternCheck = (tasks: Record<string, unknown>[]) => Problem[];

/** Properties that only an exec task uses. */
const EXEC_ONLY = ["cwd", "env"];

/** What a bound on a number means, by property, for the fix line. */
const RANGE_HINTS: Record<string, string> = {
  timeout: "give the limit in seconds, more than 0, or leave it out for no limit",
  retries: "give the number of extra attempts: 0 or more",
  retryDelay: "give the delay in seconds: 0 or more",
};

function unknownProperties(data: TaskList): Problem[] {
  const warnings: Problem[] = [];
  data.tasks.forEach((task, i) => {
    for (const key in task) {
      // An eval task's patterns are relative to its cwd: there, cwd does something.
      const patternsUseCwd = key === "cwd" && (task.inputs !== undefined || task.outputs !== undefined);
      if (task.type === "eval" && EXEC_ONLY.includes(key) && !patternsUseCwd) {
        warnings.push({
          message: `"${key}" has no effect on an eval task (ignored)`,
          task: String(task.name),
          path: ["tasks", i, key],
          hint: `remove it, or make the task an exec task`,
        });
        continue;
      }
      if (KNOWN_TASK_PROPERTIES.includes(key)) continue;
      const guess = closest(key, KNOWN_TASK_PROPERTIES);
      warnings.push({
        message: `unknown property ${JSON.stringify(key)} in task ${JSON.stringify(task.name)}` +
          (guess ? ` — did you mean ${JSON.stringify(guess)}?` : " (ignored)"),
        path: ["tasks", i, key],
        hint: guess ? `rename it to "${guess}"` : undefined,
      });
    }
  });
  return warnings;
}

/** Turns an ajv error into a sentence a user can act on. */
function toProblem(e: SchemaError, data: unknown): Problem {
  const path = e.instancePath.split("/").slice(1).map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  const taskName = path[0] === "tasks" && typeof path[1] === "number"
    ? (data as TaskList).tasks[path[1]]?.name
    : undefined;
  // A name that is not fit to print is not printed: the problem's place says which task it is.
  const task = typeof taskName === "string" && controlCharAt(taskName) < 0 ? taskName : undefined;
  const where = (typeof taskName === "string" && task === undefined ? `task #${Number(path[1]) + 1}: ` : "") +
    placeOf(path);
  const value = valueAt(data, path);
  const params = e.params as Record<string, unknown>;
  if (path.length === 3 && path[2] === "name" && (e.keyword === "minLength" || e.keyword === "pattern")) {
    return { ...nameProblem(value as string, path[1] as number)!, path };
  }
  switch (e.keyword) {
    case "required":
      return {
        message: `missing required property "${params.missingProperty}"`,
        task,
        path,
        hint: path.length === 0
          ? 'the file must be an object like {"tasks": [ … ]}'
          : `add "${params.missingProperty}" to the task`,
      };
    case "enum":
      return {
        message: `${where} must be one of: ${(params.allowedValues as string[]).join(", ")}`,
        task,
        path,
        hint: `use "exec" for a shell command or "eval" for JavaScript`,
      };
    case "type":
      return {
        message: `${where} must be ${
          path[2] === "dependencies" && path.length === 4
            ? "a task name (a string)"
            : article(String(params.type))
        }, got ${describe(value)}`,
        task,
        path,
        hint: typeHint(path, value, String(params.type)),
      };
    case "minimum":
    case "exclusiveMinimum":
      return {
        message: `${where} must be ${e.keyword === "minimum" ? "at least" : "more than"} ${params.limit}`,
        task,
        path,
        hint: RANGE_HINTS[String(path.at(-1))],
      };
    case "propertyNames":
      return {
        message: `${where} has a variable named ${
          JSON.stringify(params.propertyName)
        }, which the system cannot pass`,
        task,
        path,
        hint: "an environment variable's name is not empty and holds no '=' and no NUL",
      };
    case "pattern":
      return {
        message: `${where} contains a NUL character (\\0), which the system cannot pass`,
        task,
        path,
        hint: "remove the NUL: an environment variable's value cannot hold one",
      };
    case "minLength":
      return {
        message: `${where} must not be empty`,
        task,
        path,
        hint: isPattern(path)
          ? 'remove the empty string, or give a glob pattern such as "src/**/*.ts"'
          : "remove it, or give a value",
      };
  }
  return { message: `${where} ${e.message ?? "is invalid"}`, task, path };
}

/**
 * Where a value is, as a reader of the file names it: `file`, `"tasks"`, `task #3`, `"timeout"`
 * (a property of a task), `dependencies[0]`, `env "A"`.
 */
function placeOf(path: (string | number)[]): string {
  if (path.length === 0) return "file";
  if (path.length === 1) return JSON.stringify(String(path[0]));
  if (path.length === 2) return `task #${Number(path[1]) + 1}`;
  if (path.length === 3) return JSON.stringify(String(path[2]));
  return path.slice(3).reduce<string>(
    (place, key) => place + (typeof key === "number" ? `[${key}]` : ` ${JSON.stringify(key)}`),
    String(path[2]),
  );
}

function valueAt(data: unknown, path: (string | number)[]): unknown {
  let value = data;
  for (const key of path) value = (value as Record<string | number, unknown>)?.[key];
  return value;
}

/** A value in a few words: `1`, `null`, `a list`, `an object`, `"text"` (clipped). */
function describe(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value !== null && typeof value === "object") return "an object";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

function typeHint(path: (string | number)[], value: unknown, type: string): string {
  if (path.length === 0) {
    return Array.isArray(value)
      ? 'put the list in an object: {"tasks": [ … ]}'
      : 'the file must be an object like {"tasks": [ { "name": …, "type": …, "arguments": … } ]}';
  }
  if (path[0] === "tasks" && path.length === 1) {
    return '"tasks" is a list: "tasks": [ { "name": …, "type": …, "arguments": … } ]';
  }
  if (path.length === 3 && (path[2] === "inputs" || path[2] === "outputs")) {
    return `write it as a list of glob patterns: "${path[2]}": ["src/**/*.ts"]`;
  }
  if (type === "string" && (typeof value === "number" || typeof value === "boolean")) {
    return `write it in quotes: "${value}"`;
  }
  return `write it as ${article(type)}`;
}

/** True for the path of one of a task's `inputs` or `outputs` patterns. */
function isPattern(path: (string | number)[]): boolean {
  return path.length === 4 && (path[2] === "inputs" || path[2] === "outputs");
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
