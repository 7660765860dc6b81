import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import process from "node:process";
import { test } from "node:test";
import { childrenOf, processes, procStat } from "../src/spawn/proc.ts";

const notLinux = process.platform !== "linux" && "reads Linux's /proc";

test(
  "childrenOf lists this process's children, as a scan of every process finds them",
  { skip: notLinux },
  async () => {
    const kids = [spawn("sleep", ["30"]), spawn("sleep", ["30"])];
    try {
      await Promise.all(kids.map((k) => new Promise((resolve) => k.once("spawn", resolve))));
      const listed = childrenOf(process.pid);
      assert.ok(listed, "the kernel provides /proc/PID/task/TID/children");
      const scanned = [...processes()].filter((p) => p.ppid === process.pid).map((p) => p.pid);
      for (const kid of kids) {
        assert.ok(listed.includes(kid.pid!), `${kid.pid} in ${listed}`);
        assert.ok(scanned.includes(kid.pid!));
        assert.equal(procStat(kid.pid!)?.ppid, process.pid);
      }
      assert.deepEqual([...listed].sort(), [...scanned].sort());
    } finally {
      for (const kid of kids) kid.kill("SIGKILL");
    }
    await Promise.all(
      kids.map((k) => new Promise((resolve) => k.exitCode !== null ? resolve(0) : k.once("exit", resolve))),
    );
    const left = childrenOf(process.pid) ?? [];
    for (const kid of kids) assert.ok(!left.includes(kid.pid!), "a reaped child is no longer listed");
  },
);

test("procStat of a process that does not exist is undefined", { skip: notLinux }, () => {
  assert.equal(procStat(2 ** 30), undefined);
  assert.equal(childrenOf(2 ** 30), undefined);
});
