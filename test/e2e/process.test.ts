/**
 * End to end: what only a real process shows. The built binary's exit codes
 * and streams, and the file it leaves, for one command of each kind; command
 * behaviour itself is tested in process under `test/cli/commands/`.
 */
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { expectError, L, sandboxes, spawnBbgov, T0, tempDirs } from "./helpers.js";

const tempDir = tempDirs("bbgov-e2e-");
const sandbox = sandboxes();

describe("the built binary", { timeout: 30_000 }, () => {
  it("exit 0, 1 and 2 as the contract says, with the file written only by a good edit", () => {
    const box = sandbox();
    expect(box.run(["-q", "init", "--clock", String(T0)])).toEqual({ status: 0, stdout: "", stderr: "" });
    expect(box.run(["-q", "block", L])).toEqual({ status: 0, stdout: "", stderr: "" });
    const blocked = box.read();
    expect(box.doc()).toMatchObject({ clock_ns: String(T0), peer_governor: { blocklist: [L] } });
    expect(box.run(["-q", "check", L])).toEqual({ status: 1, stdout: "", stderr: "" });
    expectError(box.run(["block", "notapeer!"]), 'invalid peer id "notapeer!"');
    expectError(box.run(["frobnicate"]), "unknown command 'frobnicate'");
    expect(box.read()).toBe(blocked);
    expect(box.json(["check", L], 1)).toMatchObject({ peer: L, inbound: { reason: "blocklisted" } });
  });

  it("-s - reads a pipe and writes the snapshot to stdout, the report to stderr", () => {
    const dir = tempDir();
    const created = spawnBbgov(dir, ["-s", "-", "init", "--clock", "5"]);
    expect(created.status).toBe(0);
    const piped = spawnBbgov(dir, ["-s", "-", "fail", L], { input: created.stdout });
    expect(piped.status).toBe(0);
    expect(JSON.parse(piped.stdout)).toMatchObject({ clock_ns: "5", peer_governor: { health: [{ peer: L, consecutive_failures: 1 }] } });
    expect(piped.stderr).toContain(L);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it("-V and --help exit 0 on stdout", () => {
    const dir = tempDir();
    expect(spawnBbgov(dir, ["-V"])).toMatchObject({ status: 0, stderr: "" });
    const help = spawnBbgov(dir, ["--help"]);
    expect(help).toMatchObject({ status: 0, stderr: "" });
    expect(help.stdout).toContain("Usage: bbgov");
  });
});
