import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import process from "node:process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { isDeno } from "./_helpers.ts";

// On Node the tests run compiled, beside the compiled sources.
const module = fileURLToPath(new URL(`../src/runtime/stdio.${isDeno ? "ts" : "js"}`, import.meta.url));

/** Runs `code` (which imports `std` from stdio.ts) in a fresh process, its stdout piped to `sh -c reader`. */
function run(code: string, reader: string) {
  const program = `import { standardStreams as std } from ${JSON.stringify(module)};\n${code}`;
  const argv = isDeno ? ["run", "--allow-all", "-"] : ["--input-type=module", "-"];
  const runtime = JSON.stringify(process.execPath);
  return spawnSync("sh", ["-c", `${runtime} ${argv.join(" ")} | ${reader}`], {
    input: program,
    encoding: "utf8",
  });
}

test("text and bytes reach stdout whole and in order; done is called once they are taken", () => {
  const r = run(
    `std.stdout.write("a\\n"); std.stdout.write(new TextEncoder().encode("b".repeat(300000) + "\\n"), () => std.stderr.write("done\\n"));`,
    "wc -c",
  );
  assert.equal(r.stdout.trim(), String(2 + 300001));
  assert.equal(r.stderr, "done\n");
});

test("a closed pipe is an error event (EPIPE) after the write returned, and no crash", () => {
  const r = run(
    `let returned = false;
std.stdout.on("error", (e) => std.stderr.write(\`error \${e.code} after return: \${returned}\\n\`));
const big = new Uint8Array(65536).fill(120);
for (let i = 0; i < 200; i++) std.stdout.write(big);
returned = true;`,
    "head -c 1 >/dev/null",
  );
  assert.match(r.stderr, /^error EPIPE after return: true\n$/);
});
