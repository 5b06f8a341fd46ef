/**
 * Review 16, `inspect --watch` on a file that is no regular file: a FIFO to start with is refused (its bytes come
 * once, and each look would wait for a writer), and a snapshot replaced by a FIFO while watched is said on the screen
 * without opening it (the open waited for a writer: the screen froze and neither Ctrl-C nor SIGTERM ended it).
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { execute, type CliIo } from "../../src/cli/main.js";
import { tempDirs } from "./helpers.js";

const dir = tempDirs("bbgov-review16-watch-");
const SNAPSHOT = `${JSON.stringify({ spec_version: 1 }, null, 2)}\n`;

/** Runs `bbgov -s FILE inspect --watch` in `folder` on a fake terminal; `onWrite` sees the screen so far and may stop it. */
async function watchIn(
  folder: string,
  onWrite: (screen: string, stop: () => void) => void,
): Promise<{ status: number; screen: string; stderr: string }> {
  const stop = new AbortController();
  let screen = "";
  let stderr = "";
  const io = {
    stdout: {
      isTTY: true,
      columns: 100,
      rows: 40,
      write: (chunk: string | Uint8Array) => {
        screen += String(chunk);
        onWrite(screen, () => stop.abort());
        return true;
      },
    },
    stderr: { write: (chunk: string | Uint8Array) => ((stderr += String(chunk)), true) },
    stdin: (async function* () {})(),
    env: { NO_COLOR: "1" },
    stop: stop.signal,
  } as unknown as CliIo;
  const previous = process.cwd();
  process.chdir(folder);
  try {
    const status = await execute(["-s", "governor.json", "inspect", "--watch", "--interval", "10ms"], io);
    return { status, screen, stderr };
  } finally {
    process.chdir(previous);
  }
}

describe("inspect --watch on a FIFO", () => {
  it("refuses a FIFO to start with: exit 2, one line saying what it is", async () => {
    const folder = dir();
    expect(spawnSync("mkfifo", [path.join(folder, "governor.json")]).status).toBe(0);
    const result = await watchIn(folder, (_, stop) => stop());
    expect(result.status).toBe(2);
    expect(result.screen).toBe("");
    expect(result.stderr).toBe(
      "bbgov: --watch follows a regular file, and governor.json is a FIFO; run inspect without --watch to read it once (--watch)\n",
    );
  });

  it("a snapshot replaced by a FIFO: the screen says so, the watch goes on and ends on Ctrl-C", async () => {
    const folder = dir();
    const file = path.join(folder, "governor.json");
    fs.writeFileSync(file, SNAPSHOT);
    let replaced = false;
    const result = await watchIn(folder, (screen, stop) => {
      if (!replaced && screen.includes("Ctrl-C quits")) {
        replaced = true;
        fs.rmSync(file);
        expect(spawnSync("mkfifo", [file]).status).toBe(0);
      }
      if (screen.includes("now a FIFO")) stop();
    });
    expect(result.status).toBe(0);
    expect(result.screen.replace(/\s+/g, " ")).toContain(
      "bbgov: cannot read the snapshot: it is now a FIFO, not a regular file; waiting for a file there (governor.json)",
    );
  });
});
