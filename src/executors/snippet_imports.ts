/**
 * Dynamic `import()` in a snippet, relative to the task file. In code made with `new Function`,
 * `import("./x.mjs")` resolves against the module that made the function (dagrun's own
 * `src/executors/`), and JavaScript lets no one change that. So the snippet's `import(` calls are
 * renamed to a function of ours that resolves relative specifiers against the task file's folder.
 *
 * @module
 */
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";

/** The name a snippet's `import(` calls become; a parameter of the compiled function. */
export const IMPORT_NAME = "__dagrunImport";

/**
 * `code` with every `import(` call (outside strings, comments and regular expressions) renamed
 * to {@linkcode IMPORT_NAME}`(`. Code without the word `import` is returned as it is.
 *
 * @example
 * ```ts
 * import { renameImports } from "./snippet_imports.ts";
 * renameImports("const m = await import('./m.mjs'); // import('x')");
 * // "const m = await __dagrunImport('./m.mjs'); // import('x')"
 * ```
 */
export function renameImports(code: string): string {
  if (!code.includes("import")) return code;
  let out = "";
  let last = 0;
  // Open template literals: the depth of braces inside each `${ … }` being read.
  const templates: number[] = [];
  let braces = 0;
  // Whether a `/` here starts a regular expression (an operand is expected) or divides.
  let operand = true;
  let i = 0;
  const n = code.length;
  const skipString = (quote: string) => {
    for (i++; i < n && code[i] !== quote && code[i] !== "\n"; i++) if (code[i] === "\\") i++;
    i++;
  };
  // Reads template text from i (after ` or }) up to its end or the next `${`.
  const skipTemplate = () => {
    for (; i < n; i++) {
      if (code[i] === "\\") i++;
      else if (code[i] === "`") return void i++;
      else if (code[i] === "$" && code[i + 1] === "{") {
        templates.push(braces);
        braces = 0;
        i += 2;
        return;
      }
    }
  };
  while (i < n) {
    const c = code[i];
    if (c === "/" && code[i + 1] === "/") {
      while (i < n && code[i] !== "\n") i++;
    } else if (c === "/" && code[i + 1] === "*") {
      const end = code.indexOf("*/", i + 2);
      i = end < 0 ? n : end + 2;
    } else if (c === '"' || c === "'") {
      skipString(c);
      operand = false;
    } else if (c === "`") {
      i++;
      skipTemplate();
      operand = false;
    } else if (c === "/" && operand) {
      let inClass = false;
      for (i++; i < n && code[i] !== "\n"; i++) {
        if (code[i] === "\\") i++;
        else if (code[i] === "[") inClass = true;
        else if (code[i] === "]") inClass = false;
        else if (code[i] === "/" && !inClass) break;
      }
      i++;
      operand = false;
    } else if (/[A-Za-z_$\d]/.test(c)) {
      const start = i;
      while (i < n && /[\w$]/.test(code[i])) i++;
      const word = code.slice(start, i);
      const before = code.slice(0, start).trimEnd().at(-1);
      if (word === "import" && before !== "." && /^\s*\(/.test(code.slice(i, i + 200))) {
        out += code.slice(last, start) + IMPORT_NAME;
        last = i;
      }
      operand = /^(return|typeof|instanceof|in|of|new|delete|void|throw|case|do|else|yield|await)$/.test(
        word,
      );
    } else if (c === "}" && templates.length && braces === 0) {
      braces = templates.pop()!;
      i++;
      skipTemplate();
      operand = false;
    } else {
      if (c === "{") braces++;
      else if (c === "}") braces--;
      if (!/\s/.test(c)) operand = !/[)\]}]/.test(c);
      i++;
    }
  }
  return out + code.slice(last);
}

/**
 * The `import()` a snippet gets: relative specifiers (`./`, `../`) resolve against `baseDir`,
 * anything else (`node:fs`, `npm:…`, a URL, an absolute path) as a plain `import()` would.
 *
 * @example
 * ```ts
 * import { importFrom } from "./snippet_imports.ts";
 * const load = importFrom("/project");
 * const { join } = await load("node:path");
 * ```
 */
export function importFrom(
  baseDir: string,
): (specifier: unknown, options?: ImportCallOptions) => Promise<unknown> {
  return (specifier, options) => {
    const text = String(specifier);
    const target = /^\.\.?\//.test(text) || (isAbsolute(text) && !text.startsWith("//"))
      ? pathToFileURL(resolve(baseDir, text)).href
      : text;
    return options === undefined ? import(target) : import(target, options);
  };
}
