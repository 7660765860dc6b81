/**
 * Watching folders for changes, the way each runtime does it best: `Deno.watchFs` on Deno,
 * `fs.watch` (recursive) on Node.
 *
 * @module
 */
import { watch } from "node:fs";
import { join } from "node:path";

/** A watch that `close()` ends. */
export interface Watcher {
  /** Stops watching; no call of the callback follows. */
  close(): void;
}

interface DenoWatcher extends AsyncIterable<{ kind: string; paths: string[] }> {
  close(): void;
}

const deno = (globalThis as unknown as {
  Deno?: { watchFs(paths: string[], options: { recursive: boolean }): DenoWatcher };
}).Deno;

/**
 * Calls `onChange` with the absolute paths of what changed (created, written, removed, renamed)
 * anywhere under `dirs`, as the system reports it (often several calls for one save: debounce).
 *
 * @example
 * ```ts
 * import { watchTree } from "./watch.ts";
 * const watcher = watchTree(["."], (paths) => console.log(paths));
 * setTimeout(() => watcher.close(), 1000);
 * ```
 */
export function watchTree(dirs: string[], onChange: (paths: string[]) => void): Watcher {
  if (deno) {
    const watcher = deno.watchFs(dirs, { recursive: true });
    let closed = false;
    (async () => {
      try {
        for await (const event of watcher) if (!closed && event.kind !== "access") onChange(event.paths);
      } catch { /* closed */ }
    })();
    return {
      close() {
        closed = true;
        watcher.close();
      },
    };
  }
  const watchers = dirs.map((dir) =>
    watch(dir, { recursive: true }, (_type, file) => onChange([file ? join(dir, String(file)) : dir]))
  );
  return { close: () => watchers.forEach((w) => w.close()) };
}
