/**
 * Seventh review: Ctrl-C or SIGTERM in the middle of a write leaves the old
 * snapshot or the new one, and no temporary file beside it (a snapshot-sized
 * `.governor.json.bbgov-<pid>-<random>.tmp` was left for the next writer to
 * remove). The built binary, stopped (SIGSTOP) the moment its temporary file
 * appears, signalled, then let go on.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BIN, PEER, freshFolders, largeSnapshotText, waitFor } from "./reliability-helpers.js";

const place = freshFolders();
const TEXT = largeSnapshotText(6_000);

/**
 * Runs bbgov `args` in `dir`, signals it once its temporary file exists, and returns how it ended. `before` runs
 * before each attempt (an attempt that finished first may leave a file the next one would refuse to replace).
 */
async function signalMidWrite(dir: string, args: readonly string[], signal: NodeJS.Signals, before = (): void => {}) {
  for (let attempt = 0; attempt < 30; attempt++) {
    before();
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, stdio: "ignore" });
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once("exit", (code, endSignal) => resolve({ code, signal: endSignal })),
    );
    let exited = false;
    void ended.then(() => (exited = true));
    const temp = (): boolean => readdirSync(dir).some((name) => name.endsWith(".tmp"));
    await waitFor(() => exited || temp(), 20_000, 1);
    child.kill("SIGSTOP");
    // Caught writing: the signal waits for it to go on. Finished first (a busy machine): try again.
    const caught = !exited && temp();
    if (caught) child.kill(signal);
    child.kill("SIGCONT");
    const end = await ended;
    if (caught) return end;
  }
  throw new Error("never caught writing");
}

describe("a signal in the middle of a write", { timeout: 60_000 }, () => {
  it.each(["SIGINT", "SIGTERM"] as const)("%s: the snapshot old or new, no temporary file left", async (signal) => {
    const { dir, file } = place;
    writeFileSync(file, TEXT);
    const end = await signalMidWrite(dir, ["-s", "governor.json", "-q", "fail", PEER], signal);
    // Ended by the signal, or (handled after its write) having finished it.
    expect([signal, null]).toContain(end.signal);
    const after = readFileSync(file, "utf8");
    expect(after === TEXT || after.length > TEXT.length).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(["governor.json", "governor.json.lock"]);
  });

  it("SIGINT during export -o, which takes no lock: no temporary file left", async () => {
    const { dir, file } = place;
    writeFileSync(file, TEXT);
    // An attempt that finished before the stop wrote framework.json, which the next would refuse without --force.
    const end = await signalMidWrite(dir, ["-s", "governor.json", "export", "-o", "framework.json"], "SIGINT", () =>
      rmSync(path.join(dir, "framework.json"), { force: true }),
    );
    expect(["SIGINT", null]).toContain(end.signal);
    expect(readdirSync(dir).filter((name) => name.endsWith(".tmp"))).toEqual([]);
    if (end.signal === "SIGINT") expect(existsSync(path.join(dir, "framework.json"))).toBe(false);
  });
});
