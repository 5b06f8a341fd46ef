/**
 * Process-level proof of "no lost update, no lock that wedges": racing
 * writers on a lock whose holder is killed, dead, empty and garbled lock
 * files, a live holder that outlasts the timeout, and read-only commands that
 * never wait. The built binary on real temp files.
 */
import { spawnSync } from "node:child_process";
import { realpathSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  PEER,
  bbgov,
  bbgovAsync,
  failuresOf,
  freshFolders,
  hasOpen,
  holdLock,
  lockHolder,
  pause,
  waitFor,
  writeEmptySnapshot,
} from "./reliability-helpers.js";

const place = freshFolders();

describe("reliability: locks", { timeout: 120_000 }, () => {
  it("serializes 8 racers on a lock whose holder is killed: exactly N updates, and again", async () => {
    const { dir, file } = place;
    writeEmptySnapshot(file);
    const lockFile = `${realpathSync(file)}.lock`;
    let expected = 0;
    // The second round is smaller only to keep the suite quick: each racer is a whole process.
    for (const racers of [8, 5]) {
      const holder = await holdLock(lockFile, lockHolder(999_999));
      const runs = Array.from({ length: racers }, () => bbgovAsync(file, ["-q", "--lock-timeout", "60s", "fail", PEER]));
      // Kill the holder once every racer waits on the lock (has its file open), as seen in /proc; where /proc cannot
      // tell, after a while (a scheduling aid: racers that come later still race each other, nothing is timed).
      const pids = runs.map((run) => run.child.pid as number);
      if (hasOpen(process.pid, lockFile) === undefined) await pause(700);
      else await waitFor(() => pids.every((pid) => hasOpen(pid, lockFile) !== false), 20_000);
      holder.kill("SIGKILL");
      for (const result of await Promise.all(runs.map((run) => run.done))) expect(result).toEqual({ status: 0, stderr: "" });
      expected += racers;
      expect(failuresOf(readFileSync(file, "utf8"), PEER)).toBe(expected);
    }
    expect(readdirSync(dir).sort()).toEqual(["governor.json", "governor.json.lock"]);
  });

  it("a lock file left with a dead holder's name, empty or garbled is free at once", () => {
    const { file } = place;
    writeEmptySnapshot(file);
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid as number;
    let expected = 0;
    for (const content of [lockHolder(dead), "", "\u0000garbage{{{"]) {
      writeFileSync(`${file}.lock`, content);
      const result = bbgov(file, ["-q", "--lock-timeout", "0", "fail", PEER]);
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
      expect(failuresOf(readFileSync(file, "utf8"), PEER)).toBe(++expected);
      expect(readFileSync(`${file}.lock`, "utf8")).toBe("");
    }
  });

  it("waits for a live holder, then exits 2 naming it, with the file untouched", async () => {
    const { file } = place;
    writeEmptySnapshot(file);
    const original = readFileSync(file, "utf8");
    const text = lockHolder(4242);
    const holder = await holdLock(`${file}.lock`, text);
    try {
      const result = bbgov(file, ["--lock-timeout", "300ms", "fail", PEER]);
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/^bbgov: the snapshot is locked by pid 4242 .*gave up after 300 ms \(.*governor\.json\.lock\)\n$/);
      expect(readFileSync(file, "utf8")).toBe(original);
      expect(readFileSync(`${file}.lock`, "utf8")).toBe(text);
    } finally {
      holder.kill("SIGKILL");
    }
  });

  it("read-only commands never take the lock", async () => {
    const { file } = place;
    writeEmptySnapshot(file);
    const holder = await holdLock(`${file}.lock`, lockHolder(process.pid));
    try {
      expect(bbgov(file, ["inspect"]).status).toBe(0);
      expect(bbgov(file, ["validate"]).status).toBe(0);
      expect(bbgov(file, ["check", PEER]).status).toBe(0);
    } finally {
      holder.kill("SIGKILL");
    }
  });
});
