/**
 * The documentation's links hold: every relative link of README.md, CONTRIBUTING.md and docs/
 * names a file of the repository, and every `#anchor` a heading of its page, as GitHub makes
 * them. Content moves between pages; a link left behind fails here, not in a reader's browser.
 *
 * @module
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import process from "node:process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { isDeno } from "./_helpers.ts";
import { anchors, relativeLinks } from "./_markdown.ts";

const root = fileURLToPath(new URL(isDeno ? ".." : "../..", import.meta.url));

/** The Markdown pages checked, relative to the root. */
const pages = [
  "README.md",
  "CONTRIBUTING.md",
  ...readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`),
];

test("anchors: GitHub's rule for headings with code, punctuation and repeats", () => {
  assert.deepEqual(
    [...anchors(
      "# The task file\n## Eval isolation: `--eval-isolation inline|worker`\n## Usage\n## Usage\n",
    )],
    ["the-task-file", "eval-isolation---eval-isolation-inlineworker", "usage", "usage-1"],
  );
});

test("every relative link of the README, CONTRIBUTING.md and docs/ names a file and a heading that exist", () => {
  const broken: string[] = [];
  for (const page of pages) {
    const text = readFileSync(join(root, page), "utf8");
    for (const link of relativeLinks(text)) {
      const [path, anchor] = link.split("#", 2);
      const target = path ? normalize(join(dirname(page), decodeURIComponent(path))) : page;
      if (relative(root, join(root, target)).startsWith("..") || !existsSync(join(root, target))) {
        broken.push(`${page}: ${link} (no file ${target})`);
      } else if (anchor !== undefined && target.endsWith(".md")) {
        if (!anchors(readFileSync(join(root, target), "utf8")).has(anchor)) {
          broken.push(`${page}: ${link} (no heading #${anchor} in ${target})`);
        }
      }
    }
  }
  assert.deepEqual(broken, []);
});

test("the README stays short: a user reads it in two minutes, the rest is in docs/", () => {
  const size = readFileSync(join(root, "README.md")).length;
  assert.ok(size <= 12 * 1024, `README.md is ${size} bytes`);
});

test(
  "the TypeScript examples of the README and docs/library.md type-check against the code",
  { skip: !isDeno && "deno check type-checks Markdown code blocks" },
  () => {
    const result = spawnSync(process.execPath, ["check", "--doc-only", "README.md", "docs/library.md"], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
    });
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.match(result.stderr + result.stdout, /Check docs\/library\.md#/);
  },
);
