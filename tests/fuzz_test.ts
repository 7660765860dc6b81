/**
 * Bad input, generated: valid task files mutated thousands of times with a fixed seed (truncation,
 * byte flips, wrong types, huge names, deep nesting, 10 MB of arguments, invalid UTF-8, a BOM,
 * duplicate keys). Each must load, or be refused with a one-screen {@linkcode TaskFileError};
 * what loads must run to one final status per task. A few cases go through the CLI as well.
 *
 * `DAGRUN_FUZZ_CASES=100000` runs more cases (the default, 1000, keeps the suite fast; 3000 with
 * `DAGRUN_TEST_FULL=1`), and `DAGRUN_FUZZ_SEED=N` other ones; the test's name shows both.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { test } from "node:test";
import { type Executor, loadTaskFile, parseTaskFile, run, TaskFileError } from "../mod.ts";
import { runCli, sized, tempDir } from "./_helpers.ts";

const SEED = Number(process.env.DAGRUN_FUZZ_SEED ?? 20261129);
const CASES = Number(process.env.DAGRUN_FUZZ_CASES ?? sized(1000, 3000));

/** A small, seeded PRNG (mulberry32): the same cases on every run and runtime. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BASES: string[] = [
  JSON.stringify(
    {
      tasks: [
        { name: "a", type: "exec", arguments: "true" },
        { name: "b", type: "eval", arguments: "1", dependencies: ["a"] },
        { name: "c", type: "exec", arguments: "true", dependencies: ["a", "b"], timeout: 5, retries: 1 },
        { name: "d", type: "exec", arguments: "true", cwd: ".", env: { X: "1" }, retryDelay: 0 },
      ],
    },
    null,
    2,
  ),
  `{
  // JSONC: comments and trailing commas
  "tasks": [
    { "name": "x", "type": "eval", "arguments": "console.log(1)", },
    { "name": "y", "type": "exec", "arguments": "true", "dependencies": ["x",], },
  ],
}`,
];

type Mutation = (text: string, r: () => number) => string;
const pick = <T>(items: readonly T[], r: () => number): T => items[Math.floor(r() * items.length)];
const at = (text: string, r: () => number) => Math.floor(r() * (text.length + 1));

/** A JSON value of a random type, sometimes an awkward one. */
function anyValue(r: () => number): unknown {
  return pick<() => unknown>([
    () => null,
    () => r() < 0.5,
    () => Math.floor(r() * 2000) - 1000,
    () => pick([-1, 0, 1.5, 1e308, -0.0001, 2 ** 53], r),
    () => pick(["", "a", "exec", "eval", "x".repeat(300), "\u0000", "é\u{1F600}"], r),
    () => [],
    () => [pick(["a", "b", "zz"], r)],
    () => ({}),
    () => ({ name: "q" }),
  ], r)();
}

/** Replaces a random node of the parsed file (or inserts a key) with a random value. */
function wrongType(text: string, r: () => number): string {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return text;
  }
  const root = { data };
  let parent: Record<string, unknown> = root;
  let key: string = "data";
  for (let depth = 0; depth < 4; depth++) {
    const node = parent[key];
    if (node === null || typeof node !== "object" || r() < 0.3) break;
    const keys = Object.keys(node);
    if (!keys.length) break;
    parent = node as Record<string, unknown>;
    key = pick(keys, r);
  }
  if (r() < 0.2 && typeof parent === "object") {
    key = pick(["timeout", "retries", "extra", "dependencies", "tasks"], r);
  }
  parent[key] = anyValue(r);
  try {
    return JSON.stringify(root.data);
  } catch {
    return text; // nested too deeply for JSON.stringify (Node's stack is smaller than Deno's)
  }
}

const MUTATIONS: Record<string, Mutation> = {
  truncate: (t, r) => t.slice(0, at(t, r)),
  flip: (t, r) => {
    const chars = [...t];
    if (!chars.length) return t;
    for (let n = 1 + Math.floor(r() * 3); n > 0; n--) {
      const i = Math.floor(r() * chars.length);
      chars[i] = String.fromCharCode(chars[i].charCodeAt(0) ^ (1 << Math.floor(r() * 7)));
    }
    return chars.join("");
  },
  insert: (t, r) => {
    const i = at(t, r);
    return t.slice(0, i) + pick(["{", "}", "[", "]", ",", ":", '"', "\\", "//", "/*", "\n", "null"], r) +
      t.slice(i);
  },
  wrongType,
  hugeName: (t) => t.replace('"a"', JSON.stringify("n".repeat(200_000))),
  hugeUnknownDependency: (t) =>
    t.replace(/"dependencies": ?\[/, (m) => `${m}${JSON.stringify("m".repeat(100_000))},`),
  deepNesting: (t, r) => {
    const depth = pick([1000, 20_000, 100_000], r);
    return t.replace('"true"', "[".repeat(depth) + "]".repeat(depth));
  },
  deepNestingBroken: (t) => t.replace('"true"', "[".repeat(50_000)),
  bom: (t) => "\uFEFF" + t,
  duplicateKeys: (t) => t.replace('"name": "a"', '"name": "a", "name": "dup", "type": "eval"'),
  manyTasks: (_t, r) =>
    JSON.stringify({
      tasks: Array.from({ length: 2000 }, (_, i) => ({
        name: `t${i}`,
        type: "exec",
        arguments: "true",
        dependencies: i ? [`t${Math.floor(r() * (i + 50))}`] : [],
      })),
    }),
  cycle: (t) =>
    t.replace(
      '"type": "exec",\n      "arguments": "true"\n',
      '"type": "exec", "arguments": "true", "dependencies": ["c"]\n',
    ),
  nonObject: (_t, r) => pick(["", " ", "null", "[]", "42", '"tasks"', "{}", '{"tasks": {}}', "\u0000"], r),
};
/** Costly: a few cases only. */
const TEN_MB: Mutation = (t) => t.replace('"1"', JSON.stringify("x".repeat(10 * 1024 * 1024)));

/** No-op executors, so that whatever loads can also be run, cheaply and safely. */
const noop: Executor = () => Promise.resolve({ ok: true });

/** The message is fit for a screen: a bounded number of lines, none of them endless. */
function assertOneScreen(message: string, label: string): void {
  const lines = message.split("\n");
  assert.ok(lines.length <= 40, `${label}: ${lines.length} lines`);
  for (const line of lines) assert.ok(line.length <= 400, `${label}: a line of ${line.length} characters`);
  assert.doesNotMatch(message, /^\s+at .*:\d+:\d+\)?$/m, `${label}: a stack trace`);
}

test(`fuzz: ${CASES} mutated task files (seed ${SEED}) each load and run, or fail with a one-screen message`, async () => {
  const r = random(SEED);
  const names = Object.keys(MUTATIONS);
  const outcomes: Record<string, number> = { loaded: 0, refused: 0 };
  for (let i = 0; i < CASES; i++) {
    let text = pick(BASES, r);
    const applied: string[] = [];
    for (let n = 1 + Math.floor(r() * 2); n > 0; n--) {
      const name = i % 500 === 499 ? "tenMB" : pick(names, r);
      applied.push(name);
      text = (name === "tenMB" ? TEN_MB : MUTATIONS[name])(text, r);
    }
    const label = `case ${i} (${applied.join(", ")})`;
    let file;
    try {
      file = parseTaskFile(text, "fuzz.json");
    } catch (e) {
      assert.ok(e instanceof TaskFileError, `${label}: threw ${(e as Error)?.stack ?? e}`);
      assert.ok(e.problems.length > 0, label);
      assertOneScreen(e.message, label);
      outcomes.refused++;
      continue;
    }
    outcomes.loaded++;
    const report = await run(file.graph, { executors: { exec: noop, eval: noop } });
    assert.equal(report.tasks.length, file.tasks.length, label);
    for (const t of report.tasks) assert.ok(["ok", "failed", "skipped"].includes(t.status), label);
  }
  // Both kinds happen: the mutations neither always break nor never break a file.
  assert.ok(outcomes.loaded > CASES / 20 && outcomes.refused > CASES / 20, JSON.stringify(outcomes));
});

test("fuzz (CLI): invalid UTF-8, a BOM, truncation, deep nesting, 10 MB of arguments and a huge name end with 0, 1 or 2", async () => {
  const dir = tempDir();
  const base = new TextEncoder().encode(BASES[0]);
  const cases: [string, Uint8Array, number][] = [
    ["invalid UTF-8", Uint8Array.from([...base.slice(0, 40), 0xff, 0xfe, ...base.slice(40)]), 2],
    ["a BOM", Uint8Array.from([0xef, 0xbb, 0xbf, ...base]), 0],
    ["truncated", base.slice(0, base.length / 2), 2],
    ["deep nesting", new TextEncoder().encode(MUTATIONS.deepNesting(BASES[0], () => 0.9)), 2],
    ["deep nesting, broken", new TextEncoder().encode(MUTATIONS.deepNestingBroken(BASES[0], () => 0)), 2],
    ["10 MB of arguments", new TextEncoder().encode(TEN_MB(BASES[0], () => 0)), 1],
    [
      "a huge unknown dependency",
      new TextEncoder().encode(MUTATIONS.hugeUnknownDependency(BASES[0], () => 0)),
      2,
    ],
  ];
  for (const [label, bytes, expected] of cases) {
    const path = join(dir, `${label.replaceAll(" ", "-")}.json`);
    writeFileSync(path, bytes);
    const { code, stderr } = await runCli([path], { timeoutMs: 60_000 });
    assert.equal(code, expected, `${label}: ${stderr.slice(0, 2000)}`);
    if (code === 2) assertOneScreen(stderr, label);
  }
});

test("invalid UTF-8 is refused with its line and column", async () => {
  const path = join(tempDir(), "bad.json");
  writeFileSync(
    path,
    Uint8Array.from([...new TextEncoder().encode('{"tasks": [\n  {"name": "'), 0xc3, 0x28, 34, 125]),
  );
  await assert.rejects(loadTaskFile(path), (e: unknown) => {
    assert.ok(e instanceof TaskFileError);
    assert.equal(e.problems[0].line, 2);
    assert.match(e.message, /not valid UTF-8/);
    return true;
  });
});
