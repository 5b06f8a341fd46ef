/**
 * Process-level proof of atomic writes and of a lock that no signal breaks:
 * writers SIGKILLed at moments spread over their lives leave the old file or
 * the new one, and a holder paused with SIGSTOP keeps its lock. The built
 * binary on a 2 MB snapshot in real temp files.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BIN, PEER, bbgov, failuresOf, freshFolders, largeSnapshotText, pause, readFileSyncOr, waitFor } from "./reliability-helpers.js";

const place = freshFolders();

/**
 * 6,000 tracked peers (about 2 MB): a write takes long enough (most of a
 * writer's 0.1-0.2 s) to be hit by a kill or caught by a stop, and the file is
 * small enough that the nine writers of a test stay cheap. Built once for
 * the file's tests.
 */
let big: { text: string; failures: number } | undefined;
function bigSnapshot(): { text: string; failures: number } {
  if (big === undefined) {
    const text = largeSnapshotText(6_000);
    big = { text, failures: failuresOf(text, PEER) };
  }
  return big;
}

/** Starts the built `bbgov -s file -q fail PEER`, its output ignored; `closed` gives its exit status. */
function failWriter(file: string): { child: ChildProcess; closed: Promise<number | null> } {
  const child = spawn(process.execPath, [BIN, "-s", file, "-q", "fail", PEER], { stdio: "ignore" });
  return { child, closed: new Promise((resolve) => child.on("close", resolve)) };
}

describe("reliability: kills and pauses", { timeout: 120_000 }, () => {
  it("keeps a valid snapshot, the old one or the new one, whenever a writer is SIGKILLed", async () => {
    const { dir, file } = place;
    const { text: start, failures } = bigSnapshot();
    writeFileSync(file, start);
    // A writer left alone first: how long one lives here (load, lock, read, change, write) spreads the kills below.
    const startedMs = Date.now();
    expect(bbgov(file, ["-q", "fail", PEER]).status).toBe(0);
    const lifeMs = Date.now() - startedMs;
    let before = readFileSync(file, "utf8");
    let count = failuresOf(before, PEER);
    expect(count).toBe(failures + 1);
    // Five kills: two at random moments of a writer's life (before, inside and after its load-modify-write), one
    // as soon as it names itself in the lock file (it holds the lock and reads), two as soon as its temporary file
    // appears (it writes the new snapshot): each phase is hit on purpose, the random ones cover what lies between.
    // A round whose writer finished first kills nothing and still checks.
    const moments = ["random", "locked", "writing", "random", "writing"] as const;
    for (const moment of moments) {
      const { child, closed } = failWriter(file);
      const pid = child.pid as number;
      let exited = false;
      void closed.then(() => (exited = true));
      if (moment === "random") await pause(Math.random() * lifeMs);
      else if (moment === "locked") await waitFor(() => exited || readFileSyncOr(`${file}.lock`).includes(`"pid":${pid}`), 20_000, 1);
      else await waitFor(() => exited || readdirSync(dir).some((name) => name.includes(`.bbgov-${pid}-`)), 20_000, 1);
      child.kill("SIGKILL");
      await closed;
      // The old file byte for byte, or a whole new one with the failure recorded.
      const after = readFileSync(file, "utf8");
      if (after !== before) {
        expect(failuresOf(after, PEER)).toBe(count + 1);
        count += 1;
        before = after;
      }
    }
    // The next writer finds the dead writers' lock free at once and cleans their temporary files.
    const result = bbgov(file, ["-q", "--lock-timeout", "0", "fail", PEER]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(failuresOf(readFileSync(file, "utf8"), PEER)).toBe(count + 1);
    expect(readdirSync(dir).sort()).toEqual(["governor.json", "governor.json.lock"]);
  });

  it("Ctrl-C while apply waits on a FIFO with no writer: it ends at once by SIGINT, the lock released, the file unchanged", async () => {
    const { dir, file } = place;
    writeFileSync(file, bigSnapshot().text);
    const before = readFileSync(file);
    const fifo = `${dir}/script`;
    execFileSync("mkfifo", [fifo]);
    const child = spawn(process.execPath, [BIN, "-s", file, "apply", fifo], { stdio: "ignore" });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once("exit", (code, signal) => resolve({ code, signal })),
    );
    // It holds the lock and waits in the FIFO's open (a thread of Node's that no exit call can join).
    await waitFor(() => readFileSyncOr(`${file}.lock`).includes(`"pid":${child.pid}`), 20_000);
    child.kill("SIGINT");
    expect(await exited).toEqual({ code: null, signal: "SIGINT" });
    // Buffer.equals: toEqual walks 2 MB element by element (seconds).
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(bbgov(file, ["-q", "--lock-timeout", "0", "fail", PEER]).status).toBe(0);
  });

  it("a paused holder (SIGSTOP) never loses its lock, however long it sleeps", async () => {
    const { file } = place;
    const { text, failures } = bigSnapshot();
    writeFileSync(file, text);
    let done = 0;
    // Stop a writer as soon as it names itself in the lock file: it holds the lock from then until it writes. When
    // it finished before the stop landed (a busy machine), it released the lock (and emptied the file): try another.
    let stopped: { child: ChildProcess; closed: Promise<number | null> } | undefined;
    for (let attempt = 0; stopped === undefined; attempt++) {
      expect(attempt).toBeLessThan(10);
      const writer = failWriter(file);
      const pid = writer.child.pid as number;
      let exited = false;
      void writer.closed.then(() => (exited = true));
      await waitFor(() => exited || readFileSyncOr(`${file}.lock`).includes(`"pid":${pid}`), 20_000, 1);
      writer.child.kill("SIGSTOP");
      if (readFileSyncOr(`${file}.lock`).includes(`"pid":${pid}`)) stopped = writer;
      else {
        writer.child.kill("SIGCONT");
        expect(await writer.closed).toBe(0);
        done += 1;
      }
    }
    const { child, closed } = stopped;
    try {
      // Another writer waits 300 ms for the stopped holder and gives up: the lock held all that time.
      const other = bbgov(file, ["--lock-timeout", "300ms", "fail", PEER]);
      expect(other.status).toBe(2);
      expect(other.stderr).toMatch(
        new RegExp(
          `^bbgov: the snapshot is locked by pid ${child.pid} on .*\\(bbgov fail, for .*\\); gave up after 300 ms \\(.*governor\\.json\\.lock\\)\\n$`,
        ),
      );
    } finally {
      child.kill("SIGCONT");
    }
    expect(await closed).toBe(0);
    expect(bbgov(file, ["-q", "--lock-timeout", "0", "fail", PEER]).status).toBe(0);
    expect(failuresOf(readFileSync(file, "utf8"), PEER)).toBe(failures + done + 2);
  });
});
