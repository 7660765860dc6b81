/**
 * How fast dagrun hashes a big input (the `incremental` workload of `bench.ts`): reads and
 * hashes FILE as the freshness check does, several times, and prints the best rate in MB/s as
 * JSON. `deno run -A scripts/bench_hash.ts FILE [RUNS]`
 *
 * @module
 */
import { statSync } from "node:fs";
import { hashFile } from "../src/freshness/file_hashes.ts";

const [file, runs = "3"] = Deno.args;
const size = statSync(file).size;
let best = Infinity;
for (let i = 0; i < Number(runs); i++) {
  const t0 = performance.now();
  hashFile(file, size);
  best = Math.min(best, performance.now() - t0);
}
console.log(JSON.stringify({ bytes: size, ms: best, mbPerS: size / 1e6 / (best / 1000) }));
