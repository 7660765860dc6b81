/**
 * Checks parsed JSON against the task file schema (ajv) and warns about unknown task properties.
 *
 * @module
 */
import { taskFileSchema } from "./schema.ts";
import { validate as generatedValidate } from "./schema_validator.ts";
import { closest } from "./suggest.ts";
import type { Problem } from "./task.ts";

/** One schema error, as ajv reports it (the fields we read of its `ErrorObject`). */
interface SchemaError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
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
 *
 * @example
 * ```ts
 * import { checkSchema } from "./validate.ts";
 * const { errors } = checkSchema({ tasks: [{ name: "a", type: "run", arguments: "x" }] });
 * console.log(errors[0].message); // "type" must be one of: exec, eval
 * ```
 */
export function checkSchema(data: unknown): { errors: Problem[]; warnings: Problem[] } {
  const errors = compiled(data) ? [] : (compiled.errors ?? []).map((e) => toProblem(e, data));
  return { errors, warnings: errors.length ? [] : unknownProperties(data as TaskList) };
}

interface TaskList {
  tasks: Record<string, unknown>[];
}

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
      if (task.type === "eval" && EXEC_ONLY.includes(key)) {
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
  const task = typeof taskName === "string" ? taskName : undefined;
  const where = path.length > 2 ? JSON.stringify(String(path.at(-1))) : path.length ? "value" : "file";
  const params = e.params;
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
        message: `${where} must be ${article(String(params.type))}`,
        task,
        path,
        hint: path[0] === "tasks" && path.length === 1
          ? '"tasks" is a list: "tasks": [ { "name": …, "type": …, "arguments": … } ]'
          : `write it as ${article(String(params.type))}`,
      };
    case "minimum":
    case "exclusiveMinimum":
      return {
        message: `${where} must be ${e.keyword === "minimum" ? "at least" : "more than"} ${params.limit}`,
        task,
        path,
        hint: RANGE_HINTS[String(path.at(-1))],
      };
    case "minLength":
      return { message: `${where} must not be empty`, task, path, hint: "remove it, or give a value" };
    default:
      return { message: `${where} ${e.message ?? "is invalid"}`, task, path };
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
