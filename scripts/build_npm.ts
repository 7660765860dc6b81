/**
 * Builds the npm package in `npm/` from the same sources Deno runs, doing the job dnt would (dnt
 * lives on JSR, which our machines cannot reach):
 *
 * - copies `mod.ts`, `cli.ts`, `src/` and `tests/` to a staging folder, turning every
 *   `npm:name@range` specifier into the bare `name` (Node resolves it from the package's
 *   dependencies), and compiles them with TypeScript to ESM + `.d.ts`, turning the `./x.ts`
 *   imports into `./x.js` (`rewriteRelativeImportExtensions`);
 * - gives the CLI a `#!/usr/bin/env node` first line and the run bit;
 * - writes `npm/package.json`, whose dependencies are the `npm:` specifiers' names and ranges
 *   (each must equal the range in the project's package.json, which installs them for tsc and
 *   for Deno's `node_modules`), copies README,
 *   LICENSE and the JSON schema, and shows what `npm pack` would publish.
 *
 * The compiled tests stay in `npm/tests/` for `deno task test:node` but are not published.
 *
 * Usage: `deno task build:npm [VERSION]` (default: the VERSION in src/version.ts)
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { VERSION } from "../src/version.ts";

/** The repository's root folder. */
export const root: string = fileURLToPath(new URL("..", import.meta.url));
/** Where the package is built. */
export const outDir: string = join(root, "npm");

/**
 * Compiler options. `lib` is ES2023 without DOM so that tsc rejects what Node 20 lacks (ES2024
 * built-ins such as `Promise.withResolvers`); web globals come from `@types/node`.
 */
const TSC_OPTIONS = [
  "--module",
  "nodenext",
  "--moduleResolution",
  "nodenext",
  "--target",
  "es2023",
  "--lib",
  "es2023",
  "--types",
  "node",
  "--strict",
  "--skipLibCheck",
  "--declaration",
  "--allowImportingTsExtensions",
  "--rewriteRelativeImportExtensions",
  "--noEmitOnError",
  "--newLine",
  "lf",
  "--outDir",
  outDir,
];

/** Files the package publishes besides package.json, README and LICENSE (npm adds those). */
const FILES = ["mod.js", "mod.d.ts", "cli.js", "src/", "schema/"];

/** Options of {@linkcode buildNpm}. */
export interface BuildOptions {
  /** The package version. Default: the VERSION in src/version.ts. */
  version?: string;
  /** Run `npm pack --dry-run` to list what would be published. Default: true. */
  dryRunPack?: boolean;
}

/**
 * Builds the package into `npm/` and returns its folder; throws when tsc or npm fails.
 *
 * @example
 * ```ts
 * import { buildNpm } from "./build_npm.ts";
 * const dir = buildNpm({ version: "0.1.0", dryRunPack: false }); // "…/npm"
 * ```
 */
export function buildNpm(options: BuildOptions = {}): string {
  const version = options.version ?? VERSION;
  if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version)) {
    throw new Error(`"${version}" is not a version like 1.2.3 or 1.2.3-rc.1`);
  }
  const tsc = join(root, "node_modules/typescript/bin/tsc");
  if (!existsSync(tsc)) throw new Error("TypeScript is not installed: run npm ci first");
  rmSync(outDir, { recursive: true, force: true });

  const sources = ["mod.ts", "cli.ts", ...walk("src"), ...walk("tests")].filter(isCompiled);
  // The staging folder sits under the root so that tsc finds the packages in its node_modules.
  const stage = join(outDir, ".src");
  const dependencies: Record<string, string> = {};
  for (const file of sources) {
    const { text, packages } = bareSpecifiers(readFileSync(join(root, file), "utf8"));
    if (!file.startsWith("tests/")) {
      if (packages.length && !file.startsWith("src/deps/")) {
        throw new Error(`${file} imports npm:${packages[0][0]}: import it from a module in src/deps/`);
      }
      for (const [name, range] of packages) {
        if (dependencies[name] !== undefined && dependencies[name] !== range) {
          throw new Error(
            `${file} imports npm:${name}@${range}, elsewhere @${dependencies[name]}: use one range`,
          );
        }
        dependencies[name] = range;
      }
    }
    mkdirSync(dirname(join(stage, file)), { recursive: true });
    writeFileSync(join(stage, file), text);
  }
  checkInstalled(dependencies);
  exec("tsc", "node", [tsc, ...TSC_OPTIONS, "--rootDir", stage, ...sources.map((f) => join(stage, f))], root);
  rmSync(stage, { recursive: true });
  // Test fixtures are data, not code: copy them (and any non-TypeScript file) as they are.
  for (const file of walk("tests").filter((f) => !isCompiled(f))) {
    cpSync(join(root, file), join(outDir, file));
  }

  setVersion(version);
  const cli = join(outDir, "cli.js");
  const body = readFileSync(cli, "utf8").replace(/^#!.*\n/, "");
  writeFileSync(cli, `#!/usr/bin/env node\n${body}`);
  chmodSync(cli, 0o755);

  writeFileSync(
    join(outDir, "package.json"),
    JSON.stringify(packageJson(version, dependencies), null, 2) + "\n",
  );
  cpSync(join(root, "README.md"), join(outDir, "README.md"));
  cpSync(join(root, "LICENSE"), join(outDir, "LICENSE"));
  cpSync(join(root, "schema"), join(outDir, "schema"), { recursive: true });

  if (options.dryRunPack ?? true) exec("npm pack", "npm", ["pack", "--dry-run"], outDir);
  return outDir;
}

/** An `npm:` specifier: `npm:name@range` or `npm:@scope/name@range`, maybe with a `/sub/path`. */
const NPM_SPECIFIER = /(["'])npm:((?:@[\w.-]+\/)?[\w.-]+)@([^/"']+)(\/[^"']*)?\1/g;

/**
 * Turns every `npm:name@range[/path]` specifier in `text` into `name[/path]` and returns the text
 * with the packages it named (name, range).
 *
 * @example
 * ```ts
 * import { bareSpecifiers } from "./build_npm.ts";
 * bareSpecifiers('import { Ajv } from "npm:ajv@^8.17.1";');
 * // { text: 'import { Ajv } from "ajv";', packages: [["ajv", "^8.17.1"]] }
 * ```
 */
export function bareSpecifiers(text: string): { text: string; packages: [string, string][] } {
  const packages: [string, string][] = [];
  const rewritten = text.replace(NPM_SPECIFIER, (_, quote, name, range, path = "") => {
    packages.push([name, range]);
    return `${quote}${name}${path}${quote}`;
  });
  return { text: rewritten, packages };
}

/**
 * Throws unless the project's package.json installs each package with the same range: tsc
 * compiles against that copy in node_modules, and Deno resolves `npm:` specifiers from it here.
 */
function checkInstalled(dependencies: Record<string, string>) {
  const project = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const installed: Record<string, string> = project.dependencies ?? {};
  const wrong = Object.entries(dependencies).filter(([name, range]) => installed[name] !== range)
    .map(([name, range]) => `"${name}": "${range}" (package.json has ${installed[name] ?? "nothing"})`);
  const unused = Object.keys(installed).filter((name) => !(name in dependencies));
  if (wrong.length || unused.length) {
    throw new Error(
      "package.json's dependencies must be exactly the npm: imports of mod.ts, cli.ts and src/: " +
        [...wrong.map((w) => `set ${w}`), ...unused.map((n) => `"${n}" is not imported`)].join("; "),
    );
  }
}

/** The package's manifest; `dependencies` are the `npm:` imports of the published code. */
function packageJson(version: string, dependencies: Record<string, string>) {
  return {
    name: "dagrun",
    version,
    description: "Runs a set of tasks with the most concurrency their dependencies allow, " +
      "streams their output and ends with a clear report.",
    keywords: ["task runner", "dag", "parallel", "dependencies", "cli"],
    license: "MIT",
    type: "module",
    main: "./mod.js",
    types: "./mod.d.ts",
    exports: {
      ".": { types: "./mod.d.ts", default: "./mod.js" },
      "./schema.json": "./schema/tasks.schema.json",
      "./package.json": "./package.json",
    },
    bin: { dagrun: "cli.js" },
    engines: { node: ">=20" },
    dependencies,
    files: FILES,
  };
}

/** Writes `version` into the built `VERSION` constant (code and declaration). */
function setVersion(version: string) {
  for (const file of ["src/version.js", "src/version.d.ts"]) {
    const path = join(outDir, file);
    const text = readFileSync(path, "utf8");
    const literal = JSON.stringify(VERSION);
    if (!text.includes(literal)) throw new Error(`${file} has no ${literal} to replace`);
    writeFileSync(path, text.replace(literal, JSON.stringify(version)));
  }
}

/** TypeScript sources to compile; everything under a `fixtures/` folder is test data. */
function isCompiled(file: string): boolean {
  return file.endsWith(".ts") && !isFixture(file);
}

/** True for a file under a `fixtures/` folder (test data, not code). */
export function isFixture(file: string): boolean {
  return file.split("/").includes("fixtures");
}

/** Every file under `dir`, as paths relative to the root with `/` separators, sorted. */
export function walk(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)).replaceAll("\\", "/"))
    .sort();
}

/** Runs `command` with the terminal as its stdio; throws, naming it `what`, unless it exits 0. */
function exec(what: string, command: string, args: string[], cwd: string) {
  const result = spawnSync(command, args, { cwd, stdio: "inherit" });
  if (result.error) throw new Error(`${what} could not start: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${what} failed (exit ${result.status ?? result.signal})`);
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  if (args.length > 1 || args[0]?.startsWith("-")) {
    console.error("Usage: deno task build:npm [VERSION]");
    process.exit(2);
  }
  try {
    console.log(`Built ${relative(process.cwd(), buildNpm({ version: args[0] })) || "."}`);
  } catch (e) {
    console.error(`build:npm: ${(e as Error).message}`);
    process.exit(1);
  }
}
