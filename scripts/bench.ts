/**
 * The benchmark: dagrun beside make, ninja, xargs and p-graph on the same generated work, in one
 * session, alternating runners, several runs each, medians and ratios against the targets of
 * issue 4. `deno task bench [--quick] [--runs N] [--seeds N] [--only a,b] [--json PATH]`.
 *
 * Workloads are written under `.bench/` (git-ignored). Peers that are not installed are named
 * with the way to get them and skipped; nothing is installed.
 *
 * @module
 */
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  criticalPath,
  incrementalWorkload,
  INVALID_KINDS,
  invalidTaskFile,
  makefile,
  ninjaFile,
  outputWorkload,
  overheadTaskFile,
  spawnWorkload,
  timedDag,
  timedMakefile,
  timedNinja,
  type TimedTask,
  timedTaskFile,
  totalWork,
} from "./bench_workloads.ts";
import { chooseSpawn } from "../src/spawn/mod.ts";
import { buildNpm } from "./build_npm.ts";

const USAGE = `Usage: deno task bench [options]

  --quick        one run each, 3 seeds, overhead up to 100k tasks (about 2 minutes;
                 the full run takes about 8)
  --runs N       runs per runner, median reported (default 3)
  --seeds N      seeds of the limited (-j 4) sweep (default 10)
  --only LIST    workloads to run, comma-separated:
                 spawn,makespan,limited,overhead,output,invalid,start,remote,
                 incremental,backpressure (remote needs redis-server: apt-get
                 install redis-server)
  --json PATH    also write every raw measurement as JSON to PATH
`;

const { values } = parseArgs({
  args: Deno.args,
  options: {
    quick: { type: "boolean" },
    runs: { type: "string" },
    seeds: { type: "string" },
    only: { type: "string" },
    json: { type: "string" },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  console.log(USAGE);
  Deno.exit(0);
}
const quick = values.quick ?? false;
const runs = Number(values.runs ?? (quick ? 1 : 3));
const seeds = Number(values.seeds ?? (quick ? 3 : 10));
const WORKLOADS = [
  "spawn",
  "makespan",
  "limited",
  "overhead",
  "output",
  "invalid",
  "start",
  "remote",
  "incremental",
  "backpressure",
];
const workloads = (values.only ?? WORKLOADS.join(",")).split(",");
const bad = workloads.find((w) => !WORKLOADS.includes(w));
if (bad !== undefined || !(runs >= 1 && Number.isInteger(runs)) || !(seeds >= 1 && Number.isInteger(seeds))) {
  console.error(
    bad !== undefined
      ? `unknown workload "${bad}"; use: ${WORKLOADS.join(", ")}`
      : "--runs and --seeds take a whole number of 1 or more",
  );
  Deno.exit(2);
}

const root = new URL("..", import.meta.url).pathname;
const benchDir = join(root, ".bench");
const cli = join(root, "cli.ts");
const deno = Deno.execPath();
const dagrun = [deno, "run", "--allow-all", cli];

// ---------------------------------------------------------------------------------------------
// Peers

function which(name: string): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
}

const peers = {
  make: which("make"),
  ninja: which("ninja"),
  xargs: which("xargs"),
  gnuTime: existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined,
  redisServer: which("redis-server"),
  pGraph: existsSync(join(root, "node_modules/p-graph/package.json")),
};
const missing: string[] = [];
if (!peers.make) missing.push("make (GNU make: apt-get install make)");
if (!peers.ninja) missing.push("ninja (apt-get install ninja-build)");
if (!peers.xargs) missing.push("xargs (apt-get install findutils)");
if (!peers.pGraph) missing.push("p-graph (a devDependency: run npm ci)");
if (!peers.gnuTime) missing.push("GNU time, for peak memory (apt-get install time)");
if (!peers.redisServer) missing.push("redis-server, for the remote workload (apt-get install redis-server)");

// ---------------------------------------------------------------------------------------------
// Measuring

interface Measured {
  ms: number;
  code: number;
  /** Peak resident memory in KiB, when GNU time is there. */
  rssKiB?: number;
  /** User + system CPU time in ms, when GNU time is there. */
  cpuMs?: number;
  /** The start of what it wrote on stderr, when that is not the usual chatter. */
  stderr?: string;
  /** Whatever else the workload measured (makespan, lines lost, …). */
  [extra: string]: unknown;
}

/**
 * Runs `cmd` with its stdout to `stdout` (a path, default /dev/null) and its stderr to a file,
 * timing it from spawn to exit. Every runner goes through the same `sh -c exec` wrapper.
 */
async function measure(
  cmd: string[],
  options: { cwd?: string; stdout?: string; env?: Record<string, string> } = {},
): Promise<Measured> {
  const err = join(benchDir, "stderr.txt");
  const rss = join(benchDir, "rss.txt");
  const timed = peers.gnuTime ? [peers.gnuTime, "-f", "%M %U %S", "-o", rss, ...cmd] : cmd;
  const t0 = performance.now();
  const status = await new Deno.Command("sh", {
    args: [
      "-c",
      'out=$1; err=$2; shift 2; exec "$@" >"$out" 2>"$err"',
      "sh",
      options.stdout ?? "/dev/null",
      err,
      ...timed,
    ],
    cwd: options.cwd,
    env: options.env,
    stdin: "null",
  }).output();
  const ms = performance.now() - t0;
  const result: Measured = { ms, code: status.code };
  if (peers.gnuTime) {
    const [kib, user, system] = readFileSync(rss, "utf8").trim().split("\n").at(-1)!.split(" ").map(Number);
    result.rssKiB = kib;
    // CPU time beside the wall time: on a machine that others load, it moves less.
    result.cpuMs = Math.round((user + system) * 1000);
  }
  const stderr = readFileSync(err, "utf8");
  if (stderr.trim() && !/^(ninja: no work|make)/.test(stderr)) result.stderr = stderr.slice(0, 2000);
  return result;
}

interface Sample extends Measured {
  workload: string;
  runner: string;
  run: number;
}

const samples: Sample[] = [];

/** Runs every runner `runs` times, alternating between them, and keeps every sample. */
async function alternate(
  workload: string,
  runners: Record<string, () => Promise<Measured>>,
  n = runs,
): Promise<Record<string, Sample[]>> {
  const out: Record<string, Sample[]> = {};
  for (let run = 0; run < n; run++) {
    for (const [runner, fn] of Object.entries(runners)) {
      const sample: Sample = { workload, runner, run, ...(await fn()) };
      samples.push(sample);
      (out[runner] ??= []).push(sample);
      if (sample.code !== 0) {
        console.error(`  ! ${runner} exited with ${sample.code}${sample.stderr ? `: ${sample.stderr}` : ""}`);
      }
    }
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

const med = (xs: Sample[], key = "ms") => median(xs.map((x) => x[key] as number));

// ---------------------------------------------------------------------------------------------
// The table

interface Row {
  workload: string;
  measure: string;
  dagrun: string;
  peer: string;
  ratio: string;
  target: string;
  met?: boolean;
}

const rows: Row[] = [];

function row(r: Row): void {
  rows.push(r);
  const mark = r.met === undefined ? "" : r.met ? "  ✓" : "  ✗";
  console.log(`  ${r.measure}: dagrun ${r.dagrun} | ${r.peer} | ${r.ratio} (target ${r.target})${mark}`);
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const x = (r: number) => `${r.toFixed(2)}×`;

function printTable(): void {
  const head = ["workload", "measure", "dagrun", "peer", "ratio", "target", "met"];
  const body = rows.map((r) => [
    r.workload,
    r.measure,
    r.dagrun,
    r.peer,
    r.ratio,
    r.target,
    r.met === undefined ? "" : r.met ? "yes" : "NO",
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  console.log("\n" + line(head));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const b of body) console.log(line(b));
}

// ---------------------------------------------------------------------------------------------
// Workloads

function dir(name: string): string {
  const d = join(benchDir, name);
  mkdirSync(d, { recursive: true });
  return d;
}

async function spawnBench(): Promise<void> {
  const n = 2000;
  console.log(`\nspawn: ${n} independent exec tasks \`true\``);
  const d = dir("spawn");
  const { taskFile, jobs } = spawnWorkload(n);
  writeFileSync(join(d, "tasks.json"), taskFile);
  writeFileSync(join(d, "build.ninja"), ninjaFile(jobs));
  writeFileSync(join(d, "Makefile"), makefile(jobs));
  writeFileSync(join(d, "list.txt"), jobs.map((_, i) => i).join("\n") + "\n");
  // Both spawn paths (src/spawn/mod.ts), side by side: the FFI one (what dagrun picks here, see
  // the line printed above) and the default one (Deno.Command through setsid).
  const paths = { ffi: "FFI spawn", default: "Deno.Command + setsid" } as const;
  const runners: Record<string, () => Promise<Measured>> = {};
  for (const path of Object.keys(paths) as (keyof typeof paths)[]) {
    const env = { DAGRUN_SPAWN: path };
    runners[`dagrun ${path}`] = () => measure([...dagrun, join(d, "tasks.json")], { env });
    runners[`dagrun ${path} -j 2`] = () => measure([...dagrun, "-j", "2", join(d, "tasks.json")], { env });
  }
  // The floor: bare Deno loops spawning the same shells, with and without a process group each.
  const loop = (way: string, j: number) => () =>
    measure([deno, "run", "--allow-all", join(root, "scripts/bench_spawn.ts"), way, String(n), String(j)]);
  runners["Deno loop, setsid"] = loop("setsid", Infinity);
  runners["Deno loop, no group"] = loop("plain", Infinity);
  runners["Deno loop -j 2, setsid"] = loop("setsid", 2);
  runners["Deno loop -j 2, no group"] = loop("plain", 2);
  if (peers.ninja) runners[`ninja -j ${n}`] = () => measure([peers.ninja!, "-j", String(n)], { cwd: d });
  if (peers.make) runners[`make -j`] = () => measure([peers.make!, "-j"], { cwd: d });
  if (peers.xargs) {
    runners["xargs -P 2"] = () =>
      measure(["sh", "-c", `${peers.xargs} -P 2 -n 1 sh -c true <list.txt`], { cwd: d });
  }
  const r = await alternate("spawn", runners);
  for (const path of Object.keys(paths) as (keyof typeof paths)[]) {
    // The targets are the FFI path's, the one dagrun takes on this machine.
    const target = path === "ffi" ? "≤ 1.2×" : "-";
    const unlimited = med(r[`dagrun ${path}`]);
    const two = med(r[`dagrun ${path} -j 2`]);
    if (r[`ninja -j ${n}`]) {
      const ratio = unlimited / med(r[`ninja -j ${n}`]);
      row({
        workload: "spawn",
        measure: `${n} × true, unlimited, ${paths[path]}`,
        dagrun: s(unlimited),
        peer: `ninja -j ${n} ${s(med(r[`ninja -j ${n}`]))}`,
        ratio: x(ratio),
        target,
        ...(path === "ffi" ? { met: ratio <= 1.2 } : {}),
      });
    }
    if (r["make -j"]) {
      row({
        workload: "spawn",
        measure: `${n} × true, unlimited, ${paths[path]}`,
        dagrun: s(unlimited),
        peer: `make -j ${s(med(r["make -j"]))}`,
        ratio: x(unlimited / med(r["make -j"])),
        target: "-",
      });
    }
    if (r["xargs -P 2"]) {
      const ratio = two / med(r["xargs -P 2"]);
      row({
        workload: "spawn",
        measure: `${n} × true, -j 2, ${paths[path]}`,
        dagrun: s(two),
        peer: `xargs -P 2 ${s(med(r["xargs -P 2"]))}`,
        ratio: x(ratio),
        target,
        ...(path === "ffi" ? { met: ratio <= 1.2 } : {}),
      });
    }
  }
  row({
    workload: "spawn",
    measure: "floor: bare Deno loop, unlimited",
    dagrun: s(med(r["dagrun default"])),
    peer: `setsid ${s(med(r["Deno loop, setsid"]))}, no group ${s(med(r["Deno loop, no group"]))}`,
    ratio: x(med(r["dagrun default"]) / med(r["Deno loop, setsid"])),
    target: "-",
  });
  row({
    workload: "spawn",
    measure: "floor: bare Deno loop, -j 2",
    dagrun: s(med(r["dagrun default -j 2"])),
    peer: `setsid ${s(med(r["Deno loop -j 2, setsid"]))}, no group ${s(med(r["Deno loop -j 2, no group"]))}`,
    ratio: x(med(r["dagrun default -j 2"]) / med(r["Deno loop -j 2, setsid"])),
    target: "-",
  });
}

/** Reads a dagrun JSON report. */
interface Report {
  durationMs: number;
  tasks: {
    name: string;
    type: string;
    status: string;
    startMs: number;
    endMs: number;
    durationMs: number;
    queuedMs?: number;
  }[];
}

/** Time from the first task's start to the last task's end. */
function makespanOf(report: Report): number {
  return Math.max(...report.tasks.map((t) => t.endMs)) - Math.min(...report.tasks.map((t) => t.startMs));
}

/** Runs dagrun on a timed DAG with a JSON report; the sample carries its makespan. */
async function dagrunTimed(
  file: string,
  reportPath: string,
  extra: string[] = [],
): Promise<Measured> {
  rmSync(reportPath, { force: true });
  const m = await measure([...dagrun, ...extra, "--report-json", reportPath, file]);
  const report = JSON.parse(readFileSync(reportPath, "utf8")) as Report;
  if (report.tasks.some((t) => t.status !== "ok")) m.code = 1;
  return { ...m, makespanMs: makespanOf(report), report };
}

function writeTimed(d: string, tasks: TimedTask[]): { file: string } {
  writeFileSync(join(d, "tasks.json"), timedTaskFile(tasks));
  writeFileSync(join(d, "Makefile"), timedMakefile(tasks));
  writeFileSync(join(d, "build.ninja"), timedNinja(tasks));
  return { file: join(d, "tasks.json") };
}

async function makespanBench(): Promise<void> {
  const tasks = timedDag(300, 1);
  const cp = criticalPath(tasks);
  console.log(
    `\nmakespan: 300 tasks of 20–200 ms (half sleep, half eval timers), seed 1, critical path ${s(cp)}`,
  );
  const d = dir("makespan");
  const { file } = writeTimed(d, tasks);
  const runners: Record<string, () => Promise<Measured>> = {
    dagrun: () => dagrunTimed(file, join(d, "report.json")),
  };
  if (peers.make) runners["make -j"] = () => measure([peers.make!, "-j"], { cwd: d });
  if (peers.ninja) runners["ninja -j 1000"] = () => measure([peers.ninja!, "-j", "1000"], { cwd: d });
  const r = await alternate("makespan", runners);
  const ratio = med(r.dagrun, "makespanMs") / cp;
  row({
    workload: "makespan",
    measure: "makespan / critical path",
    dagrun: `${s(med(r.dagrun, "makespanMs"))} (${x(ratio)}; wall ${s(med(r.dagrun))})`,
    peer: Object.keys(r).filter((k) => k !== "dagrun").map((k) =>
      `${k} ${s(med(r[k]))} (${x(med(r[k]) / cp)})`
    )
      .join(", "),
    ratio: x(ratio),
    target: "≤ 1.03×",
    met: ratio <= 1.03,
  });
  // Start latency: a task's start minus its last dependency's end, both as dagrun saw them.
  const latency: Record<string, number[]> = { exec: [], eval: [] };
  const overhead: Record<string, number[]> = { exec: [], eval: [] };
  for (const sample of r.dagrun) {
    const report = sample.report as Report;
    report.tasks.forEach((t, i) => {
      overhead[t.type].push(t.durationMs - tasks[i].ms);
      if (tasks[i].deps.length === 0) return;
      const ready = Math.max(...tasks[i].deps.map((dep) => report.tasks[dep].endMs));
      latency[t.type].push(t.startMs - ready);
    });
    delete sample.report;
  }
  for (const [type, limit] of [["exec", 2], ["eval", 0.2]] as const) {
    const m = median(latency[type]);
    row({
      workload: "makespan",
      measure: `start latency, ${type}`,
      dagrun: `median ${m.toFixed(3)} ms, p99 ${quantile(latency[type], 0.99).toFixed(3)} ms`,
      peer: `own run time over nominal: median ${median(overhead[type]).toFixed(1)} ms`,
      ratio: "-",
      target: `median < ${limit} ms`,
      met: m < limit,
    });
  }
}

async function limitedBench(): Promise<void> {
  console.log(
    `\nlimited: the makespan DAG with -j 4, ${seeds} seeds; lower bound = max(critical path, work / 4)`,
  );
  const perSeed: { seed: number; lb: number; depth: number; history: number; ninja?: number }[] = [];
  for (let seed = 1; seed <= seeds; seed++) {
    const tasks = timedDag(300, seed);
    const lb = Math.max(criticalPath(tasks), totalWork(tasks) / 4);
    const d = dir(`limited/${seed}`);
    const { file } = writeTimed(d, tasks);
    const history = join(d, "history.json");
    const runners: Record<string, () => Promise<Measured>> = {
      "dagrun -j 4": () => dagrunTimed(file, history, ["-j", "4"]),
      "dagrun -j 4 --history": () =>
        dagrunTimed(file, join(d, "report.json"), ["-j", "4", "--history", history]),
    };
    if (peers.ninja) runners["ninja -j 4"] = () => measure([peers.ninja!, "-j", "4"], { cwd: d });
    if (peers.make && seed === 1) runners["make -j 4"] = () => measure([peers.make!, "-j", "4"], { cwd: d });
    const r = await alternate(`limited/${seed}`, runners, 1);
    for (const runner of Object.values(r)) for (const sample of runner) delete sample.report;
    const entry = {
      seed,
      lb,
      depth: r["dagrun -j 4"][0].makespanMs as number,
      history: r["dagrun -j 4 --history"][0].makespanMs as number,
      ninja: r["ninja -j 4"]?.[0].ms,
      make: r["make -j 4"]?.[0].ms,
    };
    perSeed.push(entry);
    console.log(
      `  seed ${seed}: bound ${s(lb)}, dagrun ${s(entry.depth)}, --history ${s(entry.history)}` +
        (entry.ninja ? `, ninja ${s(entry.ninja)}` : "") + (entry.make ? `, make ${s(entry.make)}` : ""),
    );
  }
  const worst = (key: "depth" | "history") => Math.max(...perSeed.map((p) => p[key] / p.lb));
  const medianRatio = (key: "depth" | "history" | "ninja") => median(perSeed.map((p) => p[key]! / p.lb));
  for (const key of ["depth", "history"] as const) {
    const beats = perSeed.filter((p) => p.ninja !== undefined && p[key] <= p.ninja).length;
    row({
      workload: "limited",
      measure: key === "depth" ? "-j 4, depth order, / bound" : "-j 4 --history, / bound",
      dagrun: `median ${x(medianRatio(key))}, worst ${x(worst(key))}`,
      peer: peers.ninja
        ? `ninja median ${x(medianRatio("ninja"))}; dagrun ≤ ninja on ${beats}/${seeds} seeds`
        : "-",
      ratio: x(worst(key)),
      target: "≤ 1.10× bound, ≤ ninja every seed",
      met: worst(key) <= 1.10 && (!peers.ninja || beats === seeds),
    });
  }
  // Sleeps jitter by a few ms, so one seed can go either way by chance: the median decides.
  const better = perSeed.filter((p) => p.history <= p.depth).length;
  const gain = median(perSeed.map((p) => p.history / p.depth));
  row({
    workload: "limited",
    measure: "--history / depth order",
    dagrun: `median ${x(gain)}; history faster or equal on ${better}/${seeds} seeds`,
    peer: `median makespan ${s(median(perSeed.map((p) => p.history)))} vs ${
      s(median(perSeed.map((p) => p.depth)))
    }`,
    ratio: x(gain),
    target: "< 1× (median)",
    met: gain < 1,
  });
}

async function writeOverheadFile(path: string, n: number, distinct = false): Promise<void> {
  if (existsSync(path)) return;
  const file = await Deno.open(path + ".tmp", { write: true, create: true, truncate: true });
  const encoder = new TextEncoder();
  for (const chunk of overheadTaskFile(n, 4, distinct)) await file.write(encoder.encode(chunk));
  file.close();
  await Deno.rename(path + ".tmp", path);
}

async function overheadBench(): Promise<void> {
  const d = dir("overhead");
  const n = 100_000;
  console.log(`\noverhead: eval tasks with empty bodies, a random DAG of about 3 dependencies each`);
  const file = join(d, `${n}.json`);
  await writeOverheadFile(file, n);
  const distinctFile = join(d, `${n}-distinct.json`);
  await writeOverheadFile(distinctFile, n, true);
  const inProcess = (runner: string, tasks = file) => async () => {
    const out = join(d, "inprocess.json");
    const script = join(root, "scripts/bench_inprocess.ts");
    const m = await measure([deno, "run", "--allow-all", script, runner, tasks], { stdout: out });
    return { ...m, runMs: m.code === 0 ? JSON.parse(readFileSync(out, "utf8")).ms : NaN };
  };
  const runners: Record<string, () => Promise<Measured>> = {
    dagrun: inProcess("dagrun"),
    // Snippets with the same code are compiled once; distinct ones cost a compile each.
    "dagrun, distinct snippets": inProcess("dagrun", distinctFile),
  };
  if (peers.pGraph) runners["p-graph"] = inProcess("p-graph");
  const r = await alternate("overhead", runners);
  const us = (samples: Sample[]) => (med(samples, "runMs") * 1000) / n;
  if (r["p-graph"]) {
    const ratio = med(r.dagrun, "runMs") / med(r["p-graph"], "runMs");
    row({
      workload: "overhead",
      measure: `${n / 1000}k tasks, in-process (graph + run)`,
      dagrun: `${s(med(r.dagrun, "runMs"))} (${us(r.dagrun).toFixed(2)} µs/task)`,
      peer: `p-graph ${s(med(r["p-graph"], "runMs"))} (${us(r["p-graph"]).toFixed(2)} µs/task)`,
      ratio: x(ratio),
      target: "≤ 0.5×",
      met: ratio <= 0.5,
    });
    const distinct = r["dagrun, distinct snippets"];
    row({
      workload: "overhead",
      measure: `${n / 1000}k tasks, each snippet different`,
      dagrun: `${s(med(distinct, "runMs"))} (${us(distinct).toFixed(2)} µs/task)`,
      peer: `p-graph ${s(med(r["p-graph"], "runMs"))}`,
      ratio: x(med(distinct, "runMs") / med(r["p-graph"], "runMs")),
      target: "- (a compile each)",
    });
  }

  const sizes = quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000];
  const perTask: { n: number; us: number; bytes?: number }[] = [];
  for (const size of sizes) {
    const sizeFile = join(d, `${size}.json`);
    await writeOverheadFile(sizeFile, size);
    const out = join(d, "out.txt");
    const cliRuns = await alternate(`overhead/cli/${size}`, {
      dagrun: () => measure([...dagrun, sizeFile], { stdout: out }),
    }, size >= 1_000_000 ? 1 : runs);
    const wall = med(cliRuns.dagrun);
    const rss = cliRuns.dagrun[0].rssKiB === undefined ? undefined : med(cliRuns.dagrun, "rssKiB") * 1024;
    perTask.push({ n: size, us: (wall * 1000) / size, bytes: rss && rss / size });
    console.log(
      `  CLI, ${size} tasks, output to a file: ${s(wall)} (${((wall * 1000) / size).toFixed(2)} µs/task)` +
        (rss ? `, peak RSS ${(rss / 2 ** 20).toFixed(0)} MiB (${(rss / size).toFixed(0)} B/task)` : ""),
    );
  }
  const first = perTask.find((p) => p.n === 100_000)!;
  const last = perTask.at(-1)!;
  if (last !== first) {
    const growth = last.us / first.us;
    row({
      workload: "overhead",
      measure: `CLI µs/task, ${last.n / 1000}k vs ${first.n / 1000}k`,
      dagrun: `${last.us.toFixed(2)} vs ${first.us.toFixed(2)} µs/task`,
      peer: "-",
      ratio: x(growth),
      target: "linear (≤ 1.5×)",
      met: growth <= 1.5,
    });
  }
  if (last.bytes !== undefined) {
    row({
      workload: "overhead",
      measure: `peak RSS per task, ${last.n / 1000}k tasks (CLI)`,
      dagrun: `${last.bytes.toFixed(0)} B`,
      peer: "-",
      ratio: "-",
      target: last.n >= 1_000_000 ? "≤ 1024 B" : "≤ 1024 B (at 1M: run without --quick)",
      met: last.n >= 1_000_000 ? last.bytes <= 1024 : undefined,
    });
  }
}

/**
 * Checks that `text` holds every line of every task, whole and in order: `prefix` is `[oN] ` for
 * dagrun's prefixed output, empty for the shell's.
 */
function countLines(text: string, tasks: number, lines: number, prefixed: boolean): { lost: number } {
  const next = new Int32Array(tasks).fill(1);
  const pattern = prefixed ? /^\[o(\d+)\] o(\d+) line (\d+)$/ : /^o(\d+)() line (\d+)$/;
  for (const line of text.split("\n")) {
    const m = pattern.exec(line);
    if (!m) continue;
    const task = Number(m[1]);
    if (prefixed && m[2] !== m[1]) continue;
    if (Number(m[3]) === next[task]) next[task]++;
  }
  let lost = 0;
  for (let t = 0; t < tasks; t++) lost += lines + 1 - next[t];
  return { lost };
}

async function outputBench(): Promise<void> {
  const tasks = 20;
  const lines = 50_000;
  console.log(`\noutput: ${tasks} tasks each printing ${lines} lines at once, to a file`);
  const d = dir("output");
  const { taskFile, script } = outputWorkload(tasks, lines);
  writeFileSync(join(d, "tasks.json"), taskFile);
  writeFileSync(join(d, "plain.sh"), script);
  const out = join(d, "out.txt");
  const checked = (prefixed: boolean) => (m: Measured) => ({
    ...m,
    lost: countLines(readFileSync(out, "utf8"), tasks, lines, prefixed).lost,
  });
  const r = await alternate("output", {
    dagrun: () => measure([...dagrun, join(d, "tasks.json")], { stdout: out }).then(checked(true)),
    "sh with & and wait": () => measure(["sh", join(d, "plain.sh")], { stdout: out }).then(checked(false)),
  });
  const ratio = med(r.dagrun) / med(r["sh with & and wait"]);
  const lost = Math.max(...r.dagrun.map((m) => m.lost as number));
  row({
    workload: "output",
    measure: `${tasks} × ${lines} lines, prefixed`,
    dagrun: `${s(med(r.dagrun))}, ${lost} lines lost or broken`,
    peer: `sh & wait ${s(med(r["sh with & and wait"]))}`,
    ratio: x(ratio),
    target: "≤ 1.5×, no line lost",
    met: ratio <= 1.5 && lost === 0,
  });
}

/**
 * One task prints 1 GB (10M lines of 100 bytes) into a reader that sleeps 5 s before it reads:
 * dagrun must stop reading the task's pipe instead of holding what the reader has not taken.
 * The reader counts the bytes it got and the task's lines that arrived whole; GNU time gives the
 * peak RSS (the largest process of the pipeline: dagrun).
 */
async function backpressureBench(): Promise<void> {
  const line = "0123456789".repeat(9) + "abcdefghi";
  const lines = 10_000_000;
  console.log(`\nbackpressure: 1 GB from one task through a reader that sleeps 5 s, Deno and Node`);
  const d = dir("backpressure");
  const file = join(d, "tasks.json");
  writeFileSync(
    file,
    JSON.stringify({ tasks: [{ name: "big", type: "exec", arguments: `yes ${line} | head -n ${lines}` }] }),
  );
  console.log("  building the npm package for Node…");
  buildNpm({ dryRunPack: false });
  const counts = join(d, "counts.txt");
  const reader = `(sleep 5; LC_ALL=C awk -v l='[big] ${line}' '{ n += length($0) + 1 } $0 == l { k++ } ` +
    `END { print n, k }' > '${counts}')`;
  const through = (cmd: string[]) => () =>
    measure(["sh", "-c", `${cmd.map((a) => `'${a}'`).join(" ")} '${file}' | ${reader}`]).then((m) => {
      const [bytes, whole] = readFileSync(counts, "utf8").trim().split(" ").map(Number);
      return { ...m, bytes, whole };
    });
  const r = await alternate("backpressure", {
    deno: through(dagrun),
    node: through(["node", join(root, "npm/cli.js")]),
  });
  // Many printers at once: each of 500 tasks prints a 60 KiB line without newline, then the newline and
  // 2000 short lines. Without one budget over all tasks, their unfinished lines alone were 30 MB.
  const printers = 500;
  const wide = 61440;
  const manyFile = join(d, "many.json");
  writeFileSync(
    manyFile,
    JSON.stringify({
      tasks: Array.from({ length: printers }, (_, i) => ({
        name: `p${i}`,
        type: "exec",
        arguments: `head -c ${wide} /dev/zero | tr '\\0' x; sleep 1; echo; seq 1 2000`,
      })),
    }),
  );
  const wideReader = `(sleep 5; LC_ALL=C awk '{ n += length($0) + 1 } /^\\[p[0-9]+\\] x/ && ` +
    `length($0) == ${wide} + index($0, " ") { k++ } END { print n, k }' > '${counts}')`;
  const many = (cmd: string[]) => () =>
    measure(["sh", "-c", `${cmd.map((a) => `'${a}'`).join(" ")} '${manyFile}' | ${wideReader}`]).then((m) => {
      const [bytes, whole] = readFileSync(counts, "utf8").trim().split(" ").map(Number);
      return { ...m, bytes, whole };
    });
  const w = await alternate("backpressure", {
    "deno, 500 printers": many(dagrun),
    "node, 500 printers": many(["node", join(root, "npm/cli.js")]),
  });
  for (const runtime of ["deno", "node"]) {
    const xs = w[`${runtime}, 500 printers`];
    const whole = Math.min(...xs.map((m) => m.whole as number));
    const rss = Math.max(...xs.map((m) => m.rssKiB ?? NaN)) / 1024;
    row({
      workload: "backpressure",
      measure: `${printers} tasks each printing a 60 KiB line at once, reader asleep 5 s, ` +
        (runtime === "deno" ? "Deno" : "Node"),
      dagrun:
        `${(med(xs, "bytes") / 1e6).toFixed(1)} MB delivered, ${whole} of ${printers} long lines whole, ` +
        `peak RSS ${rss.toFixed(0)} MiB, ${s(med(xs))}`,
      peer: "-",
      ratio: "-",
      target: "every line, peak RSS ≤ 128 MiB",
      met: whole === printers && rss <= 128,
    });
  }
  for (const runtime of ["deno", "node"]) {
    const xs = r[runtime];
    const whole = Math.min(...xs.map((m) => m.whole as number));
    const rss = Math.max(...xs.map((m) => m.rssKiB ?? NaN)) / 1024;
    row({
      workload: "backpressure",
      measure: `1 GB, reader asleep 5 s, ${runtime === "deno" ? "Deno" : "Node"}`,
      dagrun: `${(med(xs, "bytes") / 1e6).toFixed(0)} MB delivered, ${whole} of ${lines} lines whole, ` +
        `peak RSS ${rss.toFixed(0)} MiB, ${s(med(xs))}`,
      peer: "-",
      ratio: "-",
      target: "every line, peak RSS ≤ 128 MiB",
      met: whole === lines && rss <= 128,
    });
  }
}

async function invalidBench(): Promise<void> {
  const n = 100_000;
  console.log(`\ninvalid: dagrun check on ${n / 1000}k-task files that must be refused (exit 2)`);
  const d = dir("invalid");
  const runners: Record<string, () => Promise<Measured>> = {};
  for (const kind of INVALID_KINDS) {
    const file = join(d, `${kind.replaceAll(" ", "-")}.json`);
    writeFileSync(file, invalidTaskFile(kind, n));
    runners[kind] = () =>
      measure([...dagrun, "check", file]).then((m) => ({ ...m, code: m.code === 2 ? 0 : 1 }));
  }
  const r = await alternate("invalid", runners);
  for (const kind of INVALID_KINDS) {
    const ms = med(r[kind]);
    row({
      workload: "invalid",
      measure: `check, ${n / 1000}k tasks, ${kind}`,
      dagrun: s(ms),
      peer: "-",
      ratio: "-",
      target: "< 2 s",
      met: ms < 2000,
    });
  }
}

/**
 * Times a short command from spawn to exit, with no wrapper: a start is tens of ms, and the
 * `sh -c exec` and GNU time of {@linkcode measure} would add their own few ms to every runner.
 */
async function measureStart(cmd: string[], cwd: string): Promise<Measured> {
  const t0 = performance.now();
  const out = await new Deno.Command(cmd[0], { args: cmd.slice(1), cwd, stdin: "null", stdout: "null" })
    .output();
  const ms = performance.now() - t0;
  const stderr = new TextDecoder().decode(out.stderr);
  return { ms, code: out.code, ...(stderr.trim() ? { stderr: stderr.slice(0, 2000) } : {}) };
}

async function startBench(): Promise<void> {
  const n = Math.max(15, runs * 5);
  console.log(`\nstart: a one-task run and --version beside an empty script, Deno and Node, ${n} runs each`);
  const d = dir("start");
  writeFileSync(
    join(d, "one.json"),
    JSON.stringify({ tasks: [{ name: "a", type: "exec", arguments: "true" }] }),
  );
  // The empty scripts sit in the project, so Deno finds the same deno.json and package.json for both.
  writeFileSync(join(d, "empty.ts"), "");
  writeFileSync(join(d, "empty.mjs"), "");
  console.log("  building the npm package for Node…");
  buildNpm({ dryRunPack: false });
  const nodeCli = join(root, "npm/cli.js");
  const start = (cmd: string[]) => () => measureStart(cmd, d);
  const r = await alternate("start", {
    "deno empty": start([deno, "run", "--allow-all", join(d, "empty.ts")]),
    "deno one task": start([...dagrun, "one.json"]),
    "deno --version": start([...dagrun, "--version"]),
    "node empty": start(["node", join(d, "empty.mjs")]),
    "node one task": start(["node", nodeCli, "one.json"]),
    "node --version": start(["node", nodeCli, "--version"]),
  }, n);
  const ms = (xs: Sample[]) => `${med(xs).toFixed(0)} ms`;
  for (const runtime of ["deno", "node"]) {
    const empty = r[`${runtime} empty`];
    for (const [what, limit] of [["one task", runtime === "deno" ? 2.5 : 2], ["--version", 1.5]] as const) {
      const ratio = med(r[`${runtime} ${what}`]) / med(empty);
      row({
        workload: "start",
        measure: `${what === "one task" ? "one-task run" : "--version"}, ${
          runtime === "deno" ? "Deno" : "Node"
        }`,
        dagrun: ms(r[`${runtime} ${what}`]),
        peer: `empty ${runtime === "deno" ? "deno run" : "node"} script ${ms(empty)}`,
        ratio: x(ratio),
        target: `≤ ${limit}×`,
        met: ratio <= limit,
      });
    }
  }
}

/**
 * Remote execution: a private redis-server (no persistence) and 3 `dagrun worker`s on this
 * machine. 2000 `true` tasks and the 300-task sleep DAG (its exec half on the workers, its eval
 * timers in the coordinator) beside the local run, and enqueue → start latency (`queuedMs`).
 */
async function remoteBench(): Promise<void> {
  if (!peers.redisServer) return console.log("\nremote: skipped, redis-server is not installed");
  console.log("\nremote: 3 workers (64 slots each) on a private redis-server, beside the local run");
  const d = dir("remote");
  const port = freePort();
  const redis = new Deno.Command(peers.redisServer, {
    args: ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const url = `redis://127.0.0.1:${port}`;
  const env = { DAGRUN_KEY: "bench", DAGRUN_REDIS: url };
  const workers: Deno.ChildProcess[] = [];
  try {
    await waitForPort(port);
    for (let i = 0; i < 3; i++) {
      workers.push(
        new Deno.Command(deno, {
          args: ["run", "--allow-all", cli, "worker", "--slots", "64"],
          env,
          stdout: "null",
          stderr: "null",
        }).spawn(),
      );
    }
    await waitForWorkers(url, env, 3);
    // Eval tasks stay in the coordinator, as by default: on workers each starts a thread, and 64
    // thread starts at once on a busy 2-core machine block a worker's event loop past its locks.
    const remote = ["--redis", url];
    const withEnv = (m: () => Promise<Measured>) => async () => {
      for (const [k, v] of Object.entries(env)) Deno.env.set(k, v);
      try {
        return await m();
      } finally {
        Deno.env.delete("DAGRUN_REDIS");
      }
    };

    const n = 2000;
    const { taskFile, jobs } = spawnWorkload(n);
    writeFileSync(join(d, "true.json"), taskFile);
    const trueFile = join(d, "true.json");
    // ninja spawning the same 2000 shells on the same cores: what this machine allows at all, as
    // its spawn cost swings several-fold from day to day (0.94 s and 8.08 s measured).
    const ninjaDir = dir("remote/ninja");
    writeFileSync(join(ninjaDir, "build.ninja"), ninjaFile(jobs));
    const t = await alternate("remote", {
      "local": () => dagrunTimed(trueFile, join(d, "true-report.json")),
      "remote": withEnv(() => dagrunTimed(trueFile, join(d, "true-report.json"), remote)),
      ...(peers.ninja ? { "ninja": () => measure([peers.ninja!, "-j", String(n)], { cwd: ninjaDir }) } : {}),
    });
    const rate = (xs: Sample[], key?: "makespanMs") => n / (med(xs, key) / 1000);
    for (const sample of [...t.local, ...t.remote]) delete sample.report;
    const ninja = t.ninja ? `, ninja ${rate(t.ninja).toFixed(0)} tasks/s` : "";
    row({
      workload: "remote",
      measure: `${n} × true, 3 workers`,
      dagrun: `${rate(t.remote, "makespanMs").toFixed(0)} tasks/s (wall ${s(med(t.remote))})`,
      peer: `local ${rate(t.local, "makespanMs").toFixed(0)} tasks/s (wall ${s(med(t.local))})${ninja}`,
      ratio: x(med(t.remote, "makespanMs") / med(t.local, "makespanMs")),
      target: "≥ 500 tasks/s",
      met: rate(t.remote, "makespanMs") >= 500,
    });

    const tasks = timedDag(300, 1);
    const cp = criticalPath(tasks);
    const { file } = writeTimed(d, tasks);
    const r = await alternate("remote", {
      "local": () => dagrunTimed(file, join(d, "report.json")),
      "remote": withEnv(() => dagrunTimed(file, join(d, "report.json"), remote)),
    });
    const ratio = med(r.remote, "makespanMs") / cp;
    row({
      workload: "remote",
      measure: "sleep DAG makespan / critical path",
      dagrun: `${s(med(r.remote, "makespanMs"))} (${x(ratio)})`,
      peer: `local ${s(med(r.local, "makespanMs"))} (${x(med(r.local, "makespanMs") / cp)})`,
      ratio: x(ratio),
      target: "≤ 1.05×",
      met: ratio <= 1.05,
    });
    const queued = r.remote.flatMap((sample) =>
      (sample.report as Report).tasks.flatMap((task) => task.queuedMs === undefined ? [] : [task.queuedMs])
    );
    for (const sample of [...r.local, ...r.remote]) delete sample.report;
    row({
      workload: "remote",
      measure: "enqueue → start (queuedMs)",
      dagrun: `median ${median(queued).toFixed(1)} ms, p99 ${quantile(queued, 0.99).toFixed(1)} ms`,
      peer: "-",
      ratio: "-",
      target: "-",
    });
  } finally {
    for (const w of workers) w.kill("SIGTERM");
    await Promise.all(workers.map((w) => w.status));
    redis.kill("SIGKILL");
    await redis.status;
  }
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`redis-server did not start on port ${port}`);
}

/** Waits until `dagrun check --redis` lists `n` workers. */
async function waitForWorkers(url: string, env: Record<string, string>, n: number): Promise<void> {
  for (let i = 0; i < 60; i++) {
    const out = await new Deno.Command(deno, {
      args: ["run", "--allow-all", cli, "check", "--redis", url],
      env,
    })
      .output();
    if (new RegExp(`^${n} worker\\(s\\)`, "m").test(new TextDecoder().decode(out.stdout))) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`${n} workers did not start`);
}

async function incrementalBench(): Promise<void> {
  const tasks = 1000;
  const files = 100;
  console.log(
    `\nincremental: ${tasks} tasks × ${files} input files, a run with nothing to do, beside make's`,
  );
  const d = dir("incremental");
  const workload = incrementalWorkload(tasks, files);
  const complete = join(d, "src", "complete");
  if (!existsSync(complete)) {
    console.log(`  writing ${tasks * files} input files…`);
    rmSync(join(d, "src"), { recursive: true, force: true });
    for (const [path, text] of workload.inputs()) {
      const file = join(d, path);
      if (file.endsWith("/f0.txt")) mkdirSync(join(file, ".."), { recursive: true });
      writeFileSync(file, text);
    }
    writeFileSync(complete, "");
  }
  writeFileSync(join(d, "tasks.json"), workload.taskFile);
  writeFileSync(join(d, "Makefile"), workload.makefile);
  rmSync(join(d, ".dagrun"), { recursive: true, force: true });
  rmSync(join(d, "out"), { recursive: true, force: true });
  const out = join(d, "stdout.txt");
  const tasksFile = join(d, "tasks.json");
  const first = await measure([...dagrun, tasksFile], { cwd: d, stdout: out });
  const ran = /(\d+) ok, /.exec(readFileSync(out, "utf8"))?.[1];
  console.log(`  first run (every task runs): ${s(first.ms)}, ${ran} ok`);
  // A no-op run must find every task up to date, or it measured something else.
  const noOp = (m: Measured) => ({
    ...m,
    code: new RegExp(`0 ok, ${tasks} up to date`).test(readFileSync(out, "utf8")) ? m.code : 1,
  });
  // Everything but the state itself: the file hashes, the folder listings and the stat digests.
  const caches = ["file-hashes.json", "globs", "stat-digests"].map((name) => join(d, ".dagrun", name));
  const r = await alternate("incremental", {
    "dagrun warm": () => measure([...dagrun, tasksFile], { cwd: d, stdout: out }).then(noOp),
    "dagrun cold": () => {
      for (const cache of caches) rmSync(cache, { force: true });
      return measure([...dagrun, tasksFile], { cwd: d, stdout: out }).then(noOp);
    },
    // -r: without its built-in implicit rules, make would search for a way to build each of the
    // 100 000 sources (RCS, SCCS, …) and take minutes; a Makefile for such a tree says .SUFFIXES:.
    ...(peers.make ? { "make -q": () => measure([peers.make!, "-r", "-q", "all"], { cwd: d }) } : {}),
  });
  const makeMs = r["make -q"] ? med(r["make -q"]) : undefined;
  const cpu = (xs: Sample[]) => xs[0].cpuMs === undefined ? "" : ` (CPU ${s(med(xs, "cpuMs"))})`;
  for (const cache of ["warm", "cold"] as const) {
    const ms = med(r[`dagrun ${cache}`]);
    const ratio = makeMs === undefined ? undefined : ms / makeMs;
    row({
      workload: "incremental",
      measure: `no-op, ${tasks} × ${files} files, ${cache} stat cache`,
      dagrun: s(ms) + cpu(r[`dagrun ${cache}`]),
      peer: makeMs === undefined ? "-" : `make -r -q ${s(makeMs)}${cpu(r["make -q"])}`,
      ratio: ratio === undefined ? "-" : x(ratio),
      target: cache === "warm" ? "≤ 1 s and ≤ 2× make" : "-",
      ...(cache === "warm" ? { met: ms <= 1000 && (ratio === undefined || ratio <= 2) } : {}),
    });
  }
  const big = join(d, "big.bin");
  const mb = 512;
  if (!existsSync(big) || statSync(big).size !== mb * 1e6) {
    const chunk = new Uint8Array(1e6).map((_, i) => (i * 2654435761) >>> 24);
    const fd = openSync(big, "w");
    for (let i = 0; i < mb; i++) writeSync(fd, chunk);
    closeSync(fd);
  }
  const rates: number[] = [];
  const cpuRates: number[] = [];
  for (let i = 0; i < runs; i++) {
    const hashed = await measure([deno, "run", "--allow-all", join(root, "scripts/bench_hash.ts"), big], {
      stdout: out,
    });
    const { mbPerS, cpuMbPerS } = JSON.parse(readFileSync(out, "utf8"));
    samples.push({ workload: "incremental", runner: "hash", run: i, ...hashed, mbPerS, cpuMbPerS });
    rates.push(mbPerS);
    cpuRates.push(cpuMbPerS);
  }
  const rate = median(rates);
  row({
    workload: "incremental",
    measure: `hashing a ${mb} MB input (SHA-256)`,
    dagrun: `${rate.toFixed(0)} MB/s (by CPU time ${median(cpuRates).toFixed(0)} MB/s)`,
    peer: "-",
    ratio: "-",
    target: "≥ 500 MB/s",
    met: rate >= 500,
  });
}

// ---------------------------------------------------------------------------------------------

const machine = {
  date: new Date().toISOString(),
  cpu: /model name\s*:\s*(.*)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? "unknown",
  cores: navigator.hardwareConcurrency,
  deno: Deno.version.deno,
  load: Deno.loadavg().map((l) => l.toFixed(2)).join(" "),
  ninja: peers.ninja
    ? new TextDecoder().decode((await new Deno.Command(peers.ninja, { args: ["--version"] }).output()).stdout)
      .trim()
    : undefined,
};
console.log(
  `dagrun benchmark — ${machine.date}, ${machine.cores} × ${machine.cpu}, Deno ${machine.deno}, ` +
    `load average ${machine.load}${machine.ninja ? `, ninja ${machine.ninja}` : ""}`,
);
console.log(`${runs} run(s) per runner, alternating; medians. Workloads in ${benchDir}.`);
const spawnPath = await chooseSpawn();
console.log(`dagrun spawns here through: ${spawnPath.path} (${spawnPath.reason})`);
if (missing.length) console.log(`Not installed (their rows are left out):\n  ${missing.join("\n  ")}`);
if (Deno.loadavg()[0] > 0.5 * machine.cores) {
  console.log(`Note: the machine is busy (load ${machine.load}); timings will be noisy.`);
}
mkdirSync(benchDir, { recursive: true });

const benches: Record<string, () => Promise<void>> = {
  spawn: spawnBench,
  makespan: makespanBench,
  limited: limitedBench,
  overhead: overheadBench,
  output: outputBench,
  invalid: invalidBench,
  start: startBench,
  remote: remoteBench,
  incremental: incrementalBench,
  backpressure: backpressureBench,
};
for (const w of workloads) await benches[w]();
printTable();
if (values.json) {
  writeFileSync(values.json, JSON.stringify({ machine, runs, seeds, rows, samples }, null, 2) + "\n");
  console.log(`\nRaw results: ${values.json}`);
}
