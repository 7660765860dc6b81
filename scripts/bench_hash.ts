/**
 * How fast dagrun hashes a big input (the `incremental` workload of `bench.ts`): reads and
 * hashes FILE as the freshness check does, several times, and prints the best rate in MB/s, by
 * wall and by CPU time, as JSON. `deno run -A scripts/bench_hash.ts FILE [RUNS]`
 *
 * @module
 */
import { statSync } from "node:fs";
import process from "node:process";
import { hashFile } from "../src/freshness/file_hashes.ts";

const [file, runs = "3"] = Deno.args;
const size = statSync(file).size;
let best = Infinity;
let bestCpu = Infinity;
for (let i = 0; i < Number(runs); i++) {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  hashFile(file, size);
  const cpu = process.cpuUsage(cpu0);
  best = Math.min(best, performance.now() - t0);
  bestCpu = Math.min(bestCpu, (cpu.user + cpu.system) / 1000);
}
// The rate by CPU time too: on a machine others load, the wall time says more about them.
console.log(JSON.stringify({
  bytes: size,
  ms: best,
  mbPerS: size / 1e6 / (best / 1000),
  cpuMbPerS: size / 1e6 / (bestCpu / 1000),
}));
