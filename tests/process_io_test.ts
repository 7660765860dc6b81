/**
 * The command line's writes to its own stdout and stderr, against streams that behave as Node's do
 * on a terminal: a write the system takes only in part is finished later, asynchronously.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ProcessStreams } from "../src/cli/process_io.ts";
import type { OutputStream, StandardStreams } from "../src/runtime/stdio.ts";

/**
 * Two streams onto one terminal (`screen`). A stdout write longer than `takenAtOnce` bytes is
 * taken in two parts: the first at once, the rest a few milliseconds later, as Node finishes a
 * write to a terminal that a signal cut short.
 */
function terminal(takenAtOnce: number) {
  const screen: string[] = [];
  const stream = (name: "stdout" | "stderr"): OutputStream => {
    const queued: { data: string; done?: () => void }[] = [];
    let under = 0;
    let active = false;
    const next = () => {
      const write = queued.shift();
      active = write !== undefined;
      if (!write) return;
      const cut = name === "stdout" && write.data.length > takenAtOnce;
      screen.push(cut ? write.data.slice(0, takenAtOnce) : write.data);
      const finish = () => {
        if (cut) screen.push(write.data.slice(takenAtOnce));
        under -= write.data.length;
        write.done?.();
        next();
      };
      if (cut) setTimeout(finish, 5);
      else finish();
    };
    return {
      write(data, done) {
        const text = typeof data === "string" ? data : new TextDecoder().decode(data);
        queued.push({ data: text, done });
        under += text.length;
        if (!active) next();
        return true;
      },
      on: () => undefined,
      get writableLength() {
        return under;
      },
    };
  };
  const std: StandardStreams = { stdin: {}, stdout: stream("stdout"), stderr: stream("stderr") };
  const { io } = new ProcessStreams(std);
  /** One write of the command line, passed on at once (not at the end of the turn). */
  const put = (to: "stdout" | "stderr", text: string) => {
    io.write(to, text);
    io.flush!();
  };
  return { std, screen, io, put };
}

test("a stderr write waits for a stdout write the terminal took only in part, so no line is torn", async () => {
  const { screen, io, put } = terminal(10);
  put("stdout", "[a] a long line of a\n[a] another line of a\n");
  put("stderr", "[b] b to stderr\n");
  put("stdout", "[c] c\n");
  await io.drain!();
  assert.deepEqual(screen.join("").split("\n"), [
    "[a] a long line of a",
    "[a] another line of a",
    "[b] b to stderr",
    "[c] c",
    "",
  ]);
});

test("writes wait for the other stream in a chain, and drain settles only once all are taken", async () => {
  const { std, screen, io, put } = terminal(3);
  const expected: string[] = [];
  for (let i = 0; i < 20; i++) {
    const stream = i % 3 === 0 ? "stderr" : "stdout";
    const line = `${stream} line ${i}\n`;
    expected.push(line);
    put(stream, line);
  }
  await io.drain!();
  assert.equal(screen.join(""), expected.join(""));
  assert.equal(std.stdout.writableLength + std.stderr.writableLength, 0);
});

test("writes on one stream are not held back while the other is idle", () => {
  const { screen, put } = terminal(1000);
  put("stdout", "one\n");
  put("stderr", "two\n");
  assert.deepEqual(screen, ["one\n", "two\n"]);
});
