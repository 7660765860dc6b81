/** `scripts/test_all.ts`: what it prints again at the end when a part of the suite failed. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { isDeno } from "./_helpers.ts";

/** The script's `failures`, imported on Deno only: the scripts are not part of the npm build. */
async function failures(): Promise<(output: string) => string> {
  const script = new URL("../scripts/test_all.ts", import.meta.url).href;
  return (await import(script)).failures;
}

const skip = !isDeno && "the scripts run on Deno";
const lines = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `line ${from + i}`);

test("failures: deno test's ERRORS section to the end, without its colours", { skip }, async () => {
  const output = [
    "./tests/a_test.ts => passes ... \x1b[32mok\x1b[0m",
    "",
    "\x1b[1m\x1b[37m\x1b[41m ERRORS \x1b[0m",
    "",
    "fails => ./tests/a_test.ts:4:1",
    "\x1b[1m\x1b[31merror\x1b[0m: AssertionError: 1 !== 2",
    "",
    "\x1b[1m\x1b[37m\x1b[41m FAILURES \x1b[0m",
    "",
    "fails => ./tests/a_test.ts:4:1",
    "",
    "\x1b[31mFAILED\x1b[0m | 1 passed | 1 failed (35ms)",
    "",
  ].join("\n");
  assert.equal(
    (await failures())(output),
    [" ERRORS ", "", "fails => ./tests/a_test.ts:4:1", "error: AssertionError: 1 !== 2", "", " FAILURES "]
      .concat(["", "fails => ./tests/a_test.ts:4:1", "", "FAILED | 1 passed | 1 failed (35ms)"]).join("\n"),
  );
});

test("failures: node --test's failing tests to the end", { skip }, async () => {
  const output = [
    "✔ passes (1ms)",
    "✖ fails (3ms)",
    "ℹ fail 1",
    "",
    "✖ failing tests:",
    "",
    "✖ fails",
    "  1 !== 2",
  ];
  assert.equal((await failures())(output.join("\n")), output.slice(4).join("\n"));
});

test(
  "failures: without a heading, the last 30 lines; a long section keeps its start and its end",
  { skip },
  async () => {
    const f = await failures();
    assert.equal(f(lines(0, 100).join("\n")), lines(70, 100).join("\n"));
    const long = f([" ERRORS ", ...lines(0, 200)].join("\n")).split("\n");
    assert.deepEqual(long, [" ERRORS ", ...lines(0, 29), "… 141 lines, printed above …", ...lines(170, 200)]);
  },
);
