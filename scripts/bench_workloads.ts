/**
 * The benchmark's workloads, generated from a seed: the same work written as a dagrun task file,
 * a Makefile, a build.ninja and (where it fits) a plain shell script, so that every runner gets
 * exactly the same commands and dependencies.
 *
 * @module
 */

/** A seeded pseudo-random generator (mulberry32): the same seed gives the same workload. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A random DAG in topological order: task `i` depends on up to `maxDeps` distinct tasks among the
 * `window` before it (fewer near the start). A small window makes long chains.
 */
export function randomDag(n: number, seed: number, maxDeps: number, window: number): number[][] {
  const rand = random(seed);
  const deps: number[][] = [];
  for (let i = 0; i < n; i++) {
    const want = Math.min(i, Math.floor(rand() * (maxDeps + 1)));
    const from = Math.max(0, i - window);
    const picked = new Set<number>();
    while (picked.size < Math.min(want, i - from)) picked.add(from + Math.floor(rand() * (i - from)));
    deps.push([...picked].sort((a, b) => a - b));
  }
  return deps;
}

/** One task of a timed workload: how long it sleeps and how (a shell `sleep` or a JS timer). */
export interface TimedTask {
  name: string;
  kind: "exec" | "eval";
  ms: number;
  deps: number[];
}

/** The makespan/limited workload: `n` tasks of 20–200 ms, half `sleep`, half eval timers. */
export function timedDag(n: number, seed: number): TimedTask[] {
  const rand = random(seed * 7919 + 1);
  return randomDag(n, seed, 3, 12).map((deps, i) => ({
    name: `t${i}`,
    kind: rand() < 0.5 ? "exec" : "eval",
    ms: 20 + Math.floor(rand() * 181),
    deps,
  }));
}

/** Longest chain of nominal durations (the physical limit with unlimited workers), in ms. */
export function criticalPath(tasks: TimedTask[]): number {
  const finish = new Float64Array(tasks.length);
  let longest = 0;
  tasks.forEach((t, i) => {
    let ready = 0;
    for (const d of t.deps) ready = Math.max(ready, finish[d]);
    finish[i] = ready + t.ms;
    longest = Math.max(longest, finish[i]);
  });
  return longest;
}

/** Sum of nominal durations, in ms. */
export function totalWork(tasks: TimedTask[]): number {
  return tasks.reduce((sum, t) => sum + t.ms, 0);
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

/** The timed DAG as a dagrun task file. */
export function timedTaskFile(tasks: TimedTask[]): string {
  return JSON.stringify({
    tasks: tasks.map((t) => ({
      name: t.name,
      type: t.kind,
      arguments: t.kind === "exec"
        ? `sleep ${seconds(t.ms)}`
        : `await new Promise((resolve) => setTimeout(resolve, ${t.ms}))`,
      dependencies: t.deps.map((d) => tasks[d].name),
    })),
  });
}

/** The timed DAG for make and ninja: every task is a `sleep` (they cannot run JavaScript). */
export function timedMakefile(tasks: TimedTask[]): string {
  return makefile(tasks.map((t) => ({ name: t.name, command: `sleep ${seconds(t.ms)}`, deps: t.deps })));
}

/** See {@linkcode timedMakefile}. */
export function timedNinja(tasks: TimedTask[]): string {
  return ninjaFile(tasks.map((t) => ({ name: t.name, command: `sleep ${seconds(t.ms)}`, deps: t.deps })));
}

/** A shell command with dependencies (by index), for make and ninja. */
export interface Job {
  name: string;
  command: string;
  deps: number[];
}

/** Phony targets, so make runs every one of them every time. */
export function makefile(jobs: Job[]): string {
  const lines = [
    `all: ${jobs.map((j) => j.name).join(" ")}`,
    `.PHONY: all ${jobs.map((j) => j.name).join(" ")}`,
  ];
  for (const j of jobs) {
    lines.push(`${j.name}: ${j.deps.map((d) => jobs[d].name).join(" ")}`, `\t@${j.command}`);
  }
  return lines.join("\n") + "\n";
}

/** Outputs that are never written, so ninja runs every edge every time. */
export function ninjaFile(jobs: Job[]): string {
  const lines = ["rule run", "  command = $cmd", ""];
  for (const j of jobs) {
    const deps = j.deps.map((d) => jobs[d].name).join(" ");
    lines.push(`build ${j.name}: run${deps ? " " + deps : ""}`, `  cmd = ${j.command.replaceAll("$", "$$")}`);
  }
  return lines.join("\n") + "\n";
}

/** `n` independent exec tasks running `true`. */
export function spawnWorkload(n: number): { taskFile: string; jobs: Job[] } {
  const jobs = Array.from({ length: n }, (_, i) => ({ name: `t${i}`, command: "true", deps: [] }));
  return {
    taskFile: JSON.stringify({
      tasks: jobs.map((j) => ({ name: j.name, type: "exec", arguments: j.command })),
    }),
    jobs,
  };
}

/**
 * `n` eval tasks with empty bodies in a random DAG of about 3 dependencies each, streamed out in
 * pieces (a million tasks make a 95 MB file). Returns the file's text in chunks. With `distinct`,
 * each body is a different comment, so that none shares its compiled code with another.
 */
export function* overheadTaskFile(n: number, seed: number, distinct = false): Generator<string> {
  const rand = random(seed);
  yield '{"tasks":[\n';
  let chunk = "";
  for (let i = 0; i < n; i++) {
    const want = Math.min(i, Math.floor(rand() * 7));
    const from = Math.max(0, i - 1000);
    const picked = new Set<number>();
    while (picked.size < want) picked.add(from + Math.floor(rand() * (i - from)));
    const deps = [...picked].map((d) => `"t${d}"`).join(",");
    const body = distinct ? `// t${i}` : "";
    chunk += `${i ? "," : ""}{"name":"t${i}","type":"eval","arguments":"${body}","dependencies":[${deps}]}\n`;
    if (chunk.length > 1 << 20) {
      yield chunk;
      chunk = "";
    }
  }
  yield chunk + "]}\n";
}

/** The command a task of the output workload runs: `lines` numbered lines, as fast as `seq` goes. */
export function outputCommand(task: string, lines: number): string {
  return `seq -f '${task} line %.0f' 1 ${lines}`;
}

/** The output workload: `n` tasks each printing `lines` lines at once. */
export function outputWorkload(n: number, lines: number): { taskFile: string; script: string } {
  const names = Array.from({ length: n }, (_, i) => `o${i}`);
  return {
    taskFile: JSON.stringify({
      tasks: names.map((name) => ({ name, type: "exec", arguments: outputCommand(name, lines) })),
    }),
    script: names.map((name) => `${outputCommand(name, lines)} &`).join("\n") + "\nwait\n",
  };
}

/** The invalid task files `check` must reject in linear time, by the mistake each holds. */
export const INVALID_KINDS = ["unknown dependencies", "duplicate names", "one long cycle"] as const;

/**
 * A task file of `n` tasks that is wrong in the way `kind` says: every task depends on a missing
 * name one edit away from a real one (the worst case for "did you mean"), every name is used
 * twice, or every task depends on the next and the last on the first.
 */
export function invalidTaskFile(kind: typeof INVALID_KINDS[number], n: number): string {
  const tasks = [];
  for (let i = 0; i < n; i++) {
    const name = kind === "duplicate names" ? `t${i >> 1}` : `t${i}`;
    const deps = kind === "unknown dependencies"
      ? [`u${i}`]
      : kind === "one long cycle"
      ? [`t${(i + 1) % n}`]
      : [];
    tasks.push(JSON.stringify({ name, type: "exec", arguments: "true", dependencies: deps }));
  }
  return `{"tasks": [\n${tasks.join(",\n")}\n]}\n`;
}

/**
 * The incremental workload: `tasks` tasks, each reading its own `files` input files
 * (`src/tN/fM.txt`) and writing `out/tN.txt`; every tenth task starts a chain in which each task
 * also depends on the one before. The same build as a Makefile, for make's no-op.
 */
export function incrementalWorkload(tasks: number, files: number): {
  taskFile: string;
  makefile: string;
  /** Each input file's path (relative to the folder) and content. */
  inputs: () => Generator<[string, string]>;
} {
  const list = Array.from({ length: tasks }, (_, i) => ({
    name: `t${i}`,
    type: "exec",
    arguments: `cat src/t${i}/*.txt > out/t${i}.txt`,
    inputs: [`src/t${i}/*.txt`],
    outputs: [`out/t${i}.txt`],
    dependencies: i % 10 === 0 ? [] : [`t${i - 1}`],
  }));
  const make = ["all: " + list.map((t) => `out/${t.name}.txt`).join(" ")];
  for (const t of list) {
    const sources = Array.from({ length: files }, (_, j) => `src/${t.name}/f${j}.txt`).join(" ");
    const after = t.dependencies.map((d) => ` out/${d}.txt`).join("");
    make.push(`out/${t.name}.txt: ${sources}${after}`, `\t@mkdir -p out && ${t.arguments}`);
  }
  return {
    taskFile: JSON.stringify({
      tasks: list.map((t) => ({ ...t, arguments: `mkdir -p out && ${t.arguments}` })),
    }),
    makefile: make.join("\n") + "\n",
    *inputs() {
      for (let i = 0; i < tasks; i++) {
        for (let j = 0; j < files; j++) {
          yield [`src/t${i}/f${j}.txt`, `task ${i} file ${j}: ${"x".repeat(64)}\n`];
        }
      }
    },
  };
}
