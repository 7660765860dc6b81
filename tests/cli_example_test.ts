import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { examplesDir, readJson, runCli, tempDir } from "./_helpers.ts";

test("the example: task6 fails, task9 is skipped, the rest ok, in about 6 s", async () => {
  const reportPath = join(tempDir(), "report.json");
  const { code, stdout } = await runCli([join(examplesDir, "example.json"), "--report-json", reportPath]);
  assert.equal(code, 1);
  const report = readJson(reportPath);
  const status = Object.fromEntries(
    report.tasks.map((t: { name: string; status: string }) => [t.name, t.status]),
  );
  assert.deepEqual(status, {
    task1: "ok",
    task2: "ok",
    task3: "ok",
    task4: "ok",
    task5: "ok",
    task6: "failed",
    task7: "ok",
    task8: "ok",
    task9: "skipped",
  });
  assert.ok(report.durationMs > 5900 && report.durationMs < 8000, `took ${report.durationMs} ms`);
  const byName = Object.fromEntries(report.tasks.map((t) => [t.name, t]));
  // task3 waits for task1 only, not for the 5 s task4.
  assert.ok(byName.task3.startMs! >= byName.task1.endMs!);
  assert.ok(byName.task3.startMs! < byName.task4.endMs!);
  assert.ok(byName.task5.startMs! >= byName.task4.endMs!);
  assert.equal(byName.task9.startMs, null);
  assert.match(byName.task9.reason!, /task6 failed/);

  const lines = stdout.split("\n");
  for (const name of Object.keys(status)) {
    const started = lines.filter((l) => l === `Started: ${name}`).length;
    const ended = lines.filter((l) => l === `Ended : ${name}`).length;
    const expected = name === "task9" ? 0 : 1;
    assert.equal(started, expected, `Started lines of ${name}`);
    assert.equal(ended, expected, `Ended lines of ${name}`);
  }
  assert.ok(lines.includes("[task8] task 8 done"));
  assert.match(stdout, /9 tasks: 7 ok, 1 failed, 1 skipped in \d+\.\d\d s/);
  assert.ok(lines.indexOf("Started: task3") < lines.indexOf("Ended : task4"));
});
