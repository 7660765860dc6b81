/**
 * Reading Markdown links the way GitHub does, for the documentation tests (`docs_test.ts`) and the
 * package test (`scripts/test_package.ts`).
 *
 * @module
 */

/** Fenced code blocks, where `](` and `#` are not links or headings. */
const FENCED = /^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm;

/**
 * The anchors GitHub gives a page's headings: lower case, punctuation dropped (backticks, colons,
 * `|`…), each space a hyphen, `-1`, `-2`… after a repeat.
 */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const [, heading] of markdown.replace(FENCED, "").matchAll(/^#{1,6} +(.+?) *#*$/gm)) {
    const base = heading.toLowerCase().replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
      .replace(/[^\p{L}\p{N}\p{M}\- _]/gu, "").replace(/ /g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    result.add(n ? `${base}-${n}` : base);
  }
  return result;
}

/** The target of every `[text](target)` link of a page that is not a URL (`docs/cli.md#usage`). */
export function relativeLinks(markdown: string): string[] {
  const prose = markdown.replace(FENCED, "").replace(/`[^`\n]*`/g, "");
  return [...prose.matchAll(/\]\(([^)\s]+)(?: "[^"]*")?\)/g)].map((m) => m[1])
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}
