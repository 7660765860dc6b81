/**
 * Simple commands without a shell, as make runs them. `sh -c 'sleep 1'` costs an exec of the
 * shell and a fork before the program's own exec (dash does not exec the last command), which is
 * most of what an exec task costs beyond its own work: `sleep` tasks of 20–200 ms ran 5.4 ms over
 * their nominal time through the shell, 2.7 ms without it (medians, benchmark's makespan
 * workload, busy machine). A command that is only a program found
 * on PATH and plain words is therefore started directly; anything the shell would treat specially
 * (quotes, `$`, globs, `~`, redirections, `;`, `|`, `&`, comments, assignments, builtins and
 * keywords such as `cd`, `exit`, `echo`, `if`) still goes through `sh -c`, and so does a program
 * that is not found, so that its error is the shell's.
 *
 * @module
 */
import { accessSync, constants, statSync } from "node:fs";

/** Words made only of characters no POSIX shell treats specially (spaces between them). */
const PLAIN = /^[\w./:=,+%@-]+(?: [\w./:=,+%@-]+)*$/;

/** Builtins and keywords of POSIX shells: these must run in a shell, even if a program of the name exists. */
const SHELL_WORDS = new Set([
  ...[".", ":", "[", "alias", "bg", "break", "cd", "chdir", "command", "continue", "echo", "eval", "exec"],
  ...["exit", "export", "false", "fc", "fg", "getopts", "hash", "jobs", "kill", "local", "printf", "pwd"],
  ...["read", "readonly", "return", "set", "shift", "source", "test", "times", "trap", "true", "type"],
  ...["ulimit", "umask", "unalias", "unset", "wait", "if", "then", "else", "elif", "fi", "case", "esac"],
  ...["for", "while", "until", "do", "done", "in", "function", "select", "time", "!", "{", "}"],
]);

/** Where each program was found on each PATH: `undefined` for not found. */
const found = new Map<string, string | undefined>();

/**
 * The program and arguments to run `command` with, without a shell, or `undefined` when it
 * needs one. `path` is the PATH the command will see.
 *
 * @example
 * ```ts
 * import { directCommand } from "./direct.ts";
 * directCommand("sleep 0.1", "/usr/bin:/bin"); // ["/usr/bin/sleep", ["0.1"]]
 * directCommand("sleep 0.1 && echo done", "/usr/bin:/bin"); // undefined: needs a shell
 * ```
 */
export function directCommand(command: string, path: string | undefined): [string, string[]] | undefined {
  if (!PLAIN.test(command)) return undefined;
  const [name, ...args] = command.split(" ");
  if (SHELL_WORDS.has(name) || name.includes("/") || name.includes("=")) return undefined;
  const key = `${path}\0${name}`;
  if (!found.has(key)) found.set(key, lookup(name, path ?? ""));
  const program = found.get(key);
  return program === undefined ? undefined : [program, args];
}

function lookup(name: string, path: string): string | undefined {
  for (const dir of path.split(":")) {
    if (!dir.startsWith("/")) continue;
    const file = `${dir}/${name}`;
    try {
      if (!statSync(file).isFile()) continue;
      accessSync(file, constants.X_OK);
      return file;
    } catch { /* not here */ }
  }
  return undefined;
}
