/**
 * The floor under dagrun's spawn workload: bare loops that start `sh -c true` N times, at most J
 * at once, with piped output, in each way Deno offers, with or without a process group per child.
 * `deno run -A scripts/bench_spawn.ts WAY [N] [J]` prints `{"ms": …}`. `scripts/bench.ts` runs two
 * of them beside dagrun; the others are the measurements behind `src/spawn/deno.ts`.
 *
 * Ways: `plain` (no group), `setsid` (what dagrun does on Linux), `detached`, `node-plain`,
 * `node-detached`, `node-setsid` (`node:child_process` in Deno), `workers-setsid` (two Workers
 * spawning half each).
 *
 * @module
 */
import { spawn } from "node:child_process";

const [way, n = "2000", j = String(Infinity)] = Deno.args;
const total = Number(n);
const limit = Number(j);

const SH = ["/bin/sh", "-c", "true"];
const SETSID = ["/usr/bin/setsid", ...SH];

function denoSpawn([cmd, ...args]: string[], detached = false): Promise<unknown> {
  const c = new Deno.Command(cmd, { args, stdin: "null", stdout: "piped", stderr: "piped", detached })
    .spawn();
  return Promise.all([
    c.status,
    c.stdout.pipeTo(new WritableStream()),
    c.stderr.pipeTo(new WritableStream()),
  ]);
}

function nodeSpawn([cmd, ...args]: string[], detached = false): Promise<unknown> {
  const c = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], detached });
  c.stdout!.resume();
  c.stderr!.resume();
  return new Promise((resolve) => c.on("close", resolve));
}

const ways: Record<string, () => Promise<unknown>> = {
  plain: () => denoSpawn(SH),
  setsid: () => denoSpawn(SETSID),
  detached: () => denoSpawn(SH, true),
  "node-plain": () => nodeSpawn(SH),
  "node-detached": () => nodeSpawn(SH, true),
  "node-setsid": () => nodeSpawn(SETSID),
};

/** Runs `count` starts of `one`, at most `limit` at once. */
async function loop(one: () => Promise<unknown>, count: number): Promise<void> {
  let started = 0;
  const worker = async () => {
    while (started < count) {
      started++;
      await one();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
}

/** Two Workers, each running half of the loop. */
async function workers(): Promise<void> {
  const source = `
    const SETSID = ${JSON.stringify(SETSID)};
    self.onmessage = async (e) => {
      await Promise.all(Array.from({ length: e.data }, () => {
        const c = new Deno.Command(SETSID[0], { args: SETSID.slice(1), stdin: "null", stdout: "piped", stderr: "piped" }).spawn();
        return Promise.all([c.status, c.stdout.pipeTo(new WritableStream()), c.stderr.pipeTo(new WritableStream())]);
      }));
      self.postMessage("done");
    };`;
  const url = URL.createObjectURL(new Blob([source], { type: "application/javascript" }));
  await Promise.all([0, 1].map(() =>
    new Promise((resolve) => {
      const w = new Worker(url, { type: "module" });
      w.onmessage = () => resolve(w.terminate());
      w.postMessage(total / 2);
    })
  ));
}

if (way !== "workers-setsid" && !ways[way]) {
  console.error(`unknown way "${way}": use ${[...Object.keys(ways), "workers-setsid"].join(", ")}`);
  Deno.exit(2);
}
const t0 = performance.now();
await (way === "workers-setsid" ? workers() : loop(ways[way], total));
console.log(JSON.stringify({ ms: performance.now() - t0 }));
