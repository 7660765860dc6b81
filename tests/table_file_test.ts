import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { jsonKey, readTable, writeTable } from "../src/freshness/table_file.ts";
import { tempDir } from "./_helpers.ts";

const HEADER = "dagrun test-table 1";

function read(path: string) {
  const warnings: string[] = [];
  const entries = readTable(path, {
    header: HEADER,
    warn: (m) => warnings.push(m),
    cost: "all again",
    key: jsonKey,
  });
  return { entries, warnings };
}

test("a table written is read back, keys with tabs and quotes included; no temporary file is left", () => {
  const dir = tempDir();
  const path = join(dir, "table");
  writeTable(path, HEADER, [[JSON.stringify("a\tb"), "1 2"], [JSON.stringify('q"x'), ""], ['"plain"', "v"]]);
  assert.deepEqual(read(path), {
    entries: new Map([["a\tb", "1 2"], ['q"x', ""], ["plain", "v"]]),
    warnings: [],
  });
  assert.deepEqual(readdirSync(dir), ["table"]);
});

test("a missing file is an empty table, without a warning", () => {
  assert.deepEqual(read(join(tempDir(), "none")), { entries: new Map(), warnings: [] });
});

for (
  const [what, text, why] of [
    ["another kind", "dagrun other 1\n", /not a complete dagrun cache of this kind/],
    ["a cut-off last line", `${HEADER}\n"a"\t1\n"b"\t2`, /not a complete dagrun cache of this kind/],
    ["a line without a tab", `${HEADER}\n"a"\t1\njunk\n`, /line 3 is not an entry/],
    ["a key that is not a JSON string", `${HEADER}\n"a"\t1\nb\t2\n`, /line 3 is not an entry/],
  ] as const
) {
  test(`a file with ${what} is an empty table, after one warning naming it, why and the cost`, () => {
    const path = join(tempDir(), "table");
    writeFileSync(path, text);
    const { entries, warnings } = read(path);
    assert.equal(entries.size, 0);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], new RegExp(`^${path} is damaged \\(`));
    assert.match(warnings[0], why);
    assert.match(warnings[0], /: all again$/);
    assert.equal(readFileSync(path, "utf8"), text, "the file is left as it was");
  });
}
