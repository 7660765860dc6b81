/**
 * "Did you mean" suggestions for misspelt names.
 *
 * @module
 */

/**
 * The candidate closest to `word` by edit distance, if it is close enough to be a likely typo
 * (at most a third of the word's length, and at least 1, edits away).
 *
 * @example
 * ```ts
 * import { closest } from "./suggest.ts";
 * closest("dependecies", ["name", "dependencies"]); // "dependencies"
 * closest("zzz", ["name"]); // undefined
 * ```
 */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.max(1, Math.floor(word.length / 3));
  const lower = word.toLowerCase();
  // One row for every comparison: the scan may cover a hundred thousand names.
  const row = new Int32Array(word.length + 2);
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    if (Math.abs(candidate.length - word.length) >= bestDistance) continue;
    const d = editDistance(candidate.toLowerCase(), lower, row);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance with one rolling row, `row` at least `b.length + 1` long. */
function editDistance(a: string, b: string, row: Int32Array): number {
  for (let j = 0; j <= b.length; j++) row[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(above + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}
