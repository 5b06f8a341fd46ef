/**
 * Seventh review: `inspect --watch` draws what a one-off `inspect` prints. Its
 * first frame, in process (a fake terminal whose first write ends the watch):
 * the host's schedule of --host-backoff, an error line sanitised and naming the
 * file, and --no-trunc.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { execute, type CliIo } from "../../src/cli/main.js";
import { PeerId } from "../../src/core/peer-id.js";
import { tempDirs } from "./helpers.js";

const dir = tempDirs("bbgov-review7-watch-");
const NODE = path.join(import.meta.dirname, "../../fixtures/node/small.bin");

/** How firstFrame runs the watch: its --interval, and when it stops (see there). */
interface FrameRun {
  readonly interval?: string;
  /** Stop this long after the text is drawn (the watch then waits for its next look), not at once. */
  readonly stopAfterMs?: number;
  readonly env?: Record<string, string>;
  /** The text whose drawing stops the watch: the status line's end by default. */
  readonly stopOn?: string;
  /** Stop anyway after this long, for a test whose text may never come (a failure, not a hang). */
  readonly giveUpMs?: number;
  /** The window's height (40 by default). */
  readonly rows?: number;
}

/** A snapshot of `count` peers, some of them down, at an epoch-like clock. */
function manyPeers(count: number): Record<string, unknown> {
  const health = Array.from({ length: count }, (_, n) => ({
    peer: PeerId.fromU64(BigInt(n)).text,
    consecutive_failures: n % 7,
    last_event_ns: "1764000000000000000",
    down: n % 7 >= 5,
  })).sort((a, b) => (a.peer < b.peer ? -1 : 1));
  return { spec_version: 1, clock_ns: "1764000000000000000", peer_governor: { health } };
}

/** The first screen `bbgov args` draws with --watch on an 80-column terminal, run in `folder`. */
async function firstFrame(
  folder: string,
  args: readonly string[],
  { interval = "10ms", stopAfterMs, env = {}, stopOn = "Ctrl-C quits", giveUpMs, rows = 40 }: FrameRun = {},
): Promise<string> {
  const stop = new AbortController();
  let screen = "";
  const io = {
    stdout: {
      isTTY: true,
      columns: 80,
      rows,
      write: (chunk: string | Uint8Array) => {
        screen += String(chunk);
        // Ctrl-C while the frame is drawn, or (stopAfterMs) once the watch waits for its next look.
        if (screen.includes(stopOn) && !stop.signal.aborted) {
          if (stopAfterMs === undefined) stop.abort();
          else setTimeout(() => stop.abort(), stopAfterMs);
        }
        return true;
      },
    },
    stderr: { write: () => true },
    stdin: (async function* () {})(),
    env: { NO_COLOR: "1", ...env },
    stop: stop.signal,
  } as unknown as CliIo;
  const giveUp = giveUpMs === undefined ? undefined : setTimeout(() => stop.abort(), giveUpMs);
  const previous = process.cwd();
  process.chdir(folder);
  try {
    expect(await execute([...args, "--watch", "--interval", interval], io)).toBe(0);
  } finally {
    process.chdir(previous);
    clearTimeout(giveUp);
  }
  return screen;
}

describe("inspect --watch", () => {
  it("writes no escape to a dumb terminal (TERM=dumb), which showed them as text", async () => {
    const folder = dir();
    fs.copyFileSync(path.join(import.meta.dirname, "../../fixtures/example.json"), path.join(folder, "governor.json"));
    const screen = await firstFrame(folder, ["inspect", "--limit", "1"], { env: { TERM: "dumb" } });
    expect(screen).not.toContain("\u001b");
    expect(screen).toMatch(/^snapshot {3}governor\.json\n/);
    expect(screen).toContain("watching governor.json every 10 ms; Ctrl-C quits");
  });

  it("shows the schedule --host-backoff gives a node snapshot, as inspect does", async () => {
    const folder = dir();
    fs.copyFileSync(NODE, path.join(folder, "node.snap"));
    const screen = await firstFrame(folder, ["-s", "node.snap", "--host-backoff", "20ms,30s", "inspect", "--limit", "1"]);
    expect(screen).toContain("backoff    base 20 ms, doubling, max 30 s (the host's, not in the file)");
  });

  it("shows a broken file's error as main prints it: escapes sanitised, the file named", async () => {
    const folder = dir();
    fs.writeFileSync(path.join(folder, "governor.json"), '{"spec_version":1,"peer_governor":{"blocklist":["\u001b[2J"]}}');
    const screen = await firstFrame(folder, ["inspect"]);
    // Only the watch's own escapes (clear, cursor) reach the terminal: none from the file.
    const body = screen.replace(/\u001b\[(\?25[lh]|H|2J|3J)/g, "");
    expect(body).not.toContain("\u001b");
    expect(body.replace(/\n {7}/g, " ")).toContain(
      "bbgov: invalid JSON: Invalid character '\\x1b' at line 1, column 50 (governor.json: $)",
    );
  });

  it("keeps whole peer ids with --no-trunc", async () => {
    const folder = dir();
    fs.copyFileSync(path.join(import.meta.dirname, "../../fixtures/example.json"), path.join(folder, "governor.json"));
    const screen = await firstFrame(folder, ["--no-trunc", "inspect", "--limit", "1"]);
    expect(screen).toContain("12D3KooWJATkUcKJHbbtK22skXSBCUAtjkCg9z6NVDz3wX4a7Ci4");
  });

  it("wraps an error line between words to the window, not mid-word", async () => {
    const folder = dir();
    const screen = await firstFrame(folder, ["-s", "missing-snapshot.json", "inspect"]);
    expect(screen).toContain("bbgov: cannot read the snapshot: no such file; create one with `bbgov init`\n       (missing-snapshot.json)");
  });

  it.each([
    ["0", "every 10 ms"],
    ["1m30s", "every 1 m 30 s"],
    ["3000h", "every 24 d 20 h"],
  ])("--interval %s looks %s, as its status line says (a timer over 24.8 days would fire at once)", async (interval, said) => {
    const folder = dir();
    fs.copyFileSync(path.join(import.meta.dirname, "../../fixtures/example.json"), path.join(folder, "governor.json"));
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning.name);
    process.on("warning", onWarning);
    try {
      const screen = await firstFrame(folder, ["inspect", "--limit", "1"], { interval, stopAfterMs: 30 });
      expect(screen).toContain(`watching governor.json ${said}; Ctrl-C quits`);
    } finally {
      process.off("warning", onWarning);
    }
    expect(warnings).toEqual([]);
  });

  it("ends at once on a Ctrl-C that came while a frame was drawn, not after the interval", async () => {
    const folder = dir();
    fs.copyFileSync(path.join(import.meta.dirname, "../../fixtures/example.json"), path.join(folder, "governor.json"));
    const ended = firstFrame(folder, ["inspect", "--limit", "1"], { interval: "1h" }).then(() => "ended");
    const late = new Promise((resolve) => setTimeout(() => resolve("still waiting"), 2_000));
    expect(await Promise.race([ended, late])).toBe("ended");
  });

  it("redraws at once when the window is resized, not after the interval", async () => {
    const folder = dir();
    fs.copyFileSync(path.join(import.meta.dirname, "../../fixtures/example.json"), path.join(folder, "governor.json"));
    const stop = new AbortController();
    const frames: string[] = [];
    const listeners: (() => void)[] = [];
    const stdout = {
      isTTY: true,
      columns: 80,
      rows: 40,
      on: (event: string, listener: () => void) => void (event === "resize" && listeners.push(listener)),
      off: () => undefined,
      write: (chunk: string | Uint8Array) => {
        const text = String(chunk);
        if (!text.includes("Ctrl-C quits")) return true;
        frames.push(text);
        if (frames.length === 1) {
          // The watch now waits an hour for its next look; the window narrows meanwhile.
          setTimeout(() => {
            stdout.columns = 60;
            for (const listener of listeners) listener();
          }, 5);
        } else stop.abort();
        return true;
      },
    };
    const io = {
      stdout,
      stderr: { write: () => true },
      stdin: (async function* () {})(),
      env: { NO_COLOR: "1" },
      stop: stop.signal,
    } as unknown as CliIo;
    const giveUp = setTimeout(() => stop.abort(), 1_000);
    const previous = process.cwd();
    process.chdir(folder);
    try {
      expect(await execute(["inspect", "--limit", "1", "--watch", "--interval", "1h"], io)).toBe(0);
    } finally {
      process.chdir(previous);
      clearTimeout(giveUp);
    }
    expect(frames).toHaveLength(2);
    const widest = (frame: string): number =>
      Math.max(
        ...frame
          .replace(/\u001b\[[?\d;]*[A-Za-z]/g, "")
          .split("\n")
          .map((line) => [...line].length),
      );
    expect(widest(frames[0] as string)).toBeGreaterThan(60);
    expect(widest(frames[1] as string)).toBeLessThanOrEqual(60);
  });

  it("keeps 'Ctrl-C quits' on the status line of a long path, shortening the path's start", async () => {
    const folder = dir();
    const name = `${"a-snapshot-with-a-very-long-name-".repeat(3)}governor.json`;
    fs.copyFileSync(path.join(import.meta.dirname, "../../fixtures/example.json"), path.join(folder, name));
    // Without the status line's end this watch would go on: a failure, not a hang.
    const screen = await firstFrame(folder, ["-s", name, "inspect", "--limit", "1"], { stopOn: "every 10 ms", giveUpMs: 500 });
    const status = (screen.split("\n").find((line) => line.includes("every 10 ms")) as string).replace(/\u001b\[[?\d;]*[A-Za-z]/g, "");
    expect(status).toMatch(/^watching …[a-z-]+-governor\.json every 10 ms; Ctrl-C quits$/);
    expect([...status].length).toBe(80);
  });

  it("shows what loading found (a threshold 0 clamped, entries skipped), which a one-off inspect prints as warnings", async () => {
    const folder = dir();
    fs.copyFileSync(path.join(import.meta.dirname, "../../fixtures/node/hand-edited.bin"), path.join(folder, "node.snap"));
    const screen = (await firstFrame(folder, ["-s", "node.snap", "inspect", "--limit", "1"])).replace(/\n {7}/g, " ");
    expect(screen).toContain("bbgov: warning: failure_threshold 0 loads as 1 (upstream clamps it to at least 1)");
    expect(screen).toContain("bbgov: warning: 7 entries whose peer bytes do not parse are skipped");
  });

  it("fits the window with the warnings on it: each warning line takes a table row's place", async () => {
    const folder = dir();
    fs.copyFileSync(path.join(import.meta.dirname, "../../fixtures/node/hand-edited.bin"), path.join(folder, "node.snap"));
    for (const rows of [24, 30, 40]) {
      const screen = await firstFrame(folder, ["-s", "node.snap", "inspect"], { rows });
      // The frame: after the escapes that clear the screen and hide the cursor, up to the status line's end.
      const frame = screen.replace(/^(\u001b\[[?\d;]*[A-Za-z])+/, "");
      const lines = frame.slice(0, frame.indexOf("Ctrl-C quits")).split("\n");
      expect(frame).toContain("bbgov: warning: 7 entries whose peer bytes do not parse are skipped");
      expect(lines.length).toBeLessThanOrEqual(rows);
      // Rows the rest leaves are used: cut (and said so) as far as it must, or all 12 peers shown.
      const shown = lines.filter((line) => /^│ (12D3|16uZ|Qm)/.test(line)).length;
      expect(shown === 12 || lines.length === rows).toBe(true);
      if (shown < 12) expect(frame).toContain(`${12 - shown} more row(s) not shown (window too short)`);
    }
  });

  it("says what cut the table: the window's height (was: '(--limit)', given none), or --limit when it was given", async () => {
    const folder = dir();
    fs.writeFileSync(path.join(folder, "governor.json"), JSON.stringify(manyPeers(40)));
    const frameOf = (screen: string): string => screen.replace(/^(\u001b\[[?\d;]*[A-Za-z])+/, "");
    const byWindow = frameOf(await firstFrame(folder, ["inspect"], { rows: 24 }));
    expect(byWindow).toMatch(/\n\d+ more row\(s\) not shown \(window too short\)\n/);
    expect(byWindow).not.toContain("--limit");
    const byLimit = frameOf(await firstFrame(folder, ["inspect", "--limit", "2"], { rows: 24 }));
    expect(byLimit).toContain("\n38 more row(s) not shown (--limit)\n");
  });

  it("a window too short for the summary and one row shows the summary and says the rows have no room (was: overflowed)", async () => {
    const folder = dir();
    fs.writeFileSync(path.join(folder, "governor.json"), JSON.stringify(manyPeers(40)));
    const screen = await firstFrame(folder, ["inspect"], { rows: 12 });
    const frame = screen.replace(/^(\u001b\[[?\d;]*[A-Za-z])+/, "");
    const lines = frame.slice(0, frame.indexOf("Ctrl-C quits")).split("\n");
    expect(lines.length).toBeLessThanOrEqual(12);
    expect(lines[0]).toMatch(/^snapshot +governor\.json/);
    expect(frame).not.toContain("┌");
    expect(frame).toContain("\n40 row(s) not shown (window too short)\n");
  });

  it("fits the window when its lines are wider than it (--no-trunc): a line the terminal wraps takes 2 of its lines", async () => {
    const folder = dir();
    fs.writeFileSync(path.join(folder, "governor.json"), JSON.stringify(manyPeers(40)));
    const screen = await firstFrame(folder, ["--no-trunc", "inspect"], { rows: 24 });
    const frame = screen.replace(/^(\u001b\[[?\d;]*[A-Za-z])+/, "");
    const lines = frame.slice(0, frame.indexOf("Ctrl-C quits") + "Ctrl-C quits".length).split("\n");
    // Every column: the table is wider than the 80-column window, each of its lines wraps once.
    expect(Math.max(...lines.map((line) => [...line].length))).toBeGreaterThan(80);
    const onScreen = lines.reduce((sum, line) => sum + Math.max(1, Math.ceil([...line].length / 80)), 0);
    expect(onScreen).toBeLessThanOrEqual(24);
    expect(onScreen).toBeGreaterThanOrEqual(24 - 1); // the rows the rest leaves are used (a row takes 2 lines)
    expect(frame).toMatch(/\d+ more row\(s\) not shown \(window too short\)/);
  });

  it("shows --host-backoff's own warnings on the screen, which cleared them when they were printed before it", async () => {
    const folder = dir();
    fs.copyFileSync(NODE, path.join(folder, "node.snap"));
    const screen = (await firstFrame(folder, ["-s", "node.snap", "--host-backoff", "0,2m", "inspect", "--limit", "1"])).replace(
      /\n {7}/g,
      " ",
    );
    expect(screen).toContain("bbgov: warning: --host-backoff: a backoff base of 0 becomes 1 ns (the upstream clamp)");
    const frame = screen.slice(screen.lastIndexOf("\u001b[3J"));
    expect(frame).toContain("--host-backoff: a backoff base of 0");
  });
});
