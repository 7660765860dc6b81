import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import process from "node:process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { isDeno } from "./_helpers.ts";

test(
  "the schema file and the compiled validator are what scripts/gen_schema.ts writes",
  { skip: !isDeno && "the generator runs on Deno" },
  () => {
    const script = fileURLToPath(new URL("../scripts/gen_schema.ts", import.meta.url));
    const result = spawnSync(process.execPath, ["run", "--allow-all", script, "--check"], {
      encoding: "utf8",
    });
    assert.equal(result.stderr, "");
    assert.equal(result.status, 0);
  },
);
