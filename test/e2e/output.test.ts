/**
 * Output faults, against the built binary: standard output or error on a
 * full device (`> /dev/full`) is one line and exit 2, saying whether the
 * snapshot was written; a closed pipe is not an error.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { Sandbox as InProcess } from "../cli/helpers.js";
import { BIN, L, sandboxes } from "./helpers.js";

const sandbox = sandboxes();

/** A sandbox whose governor.json is made in process (init, then `commands` applied): only the runs below are processes. */
async function built(commands: readonly string[] = []) {
  const box = sandbox();
  await new InProcess(box.dir).build(commands);
  return box;
}

function runTo(dir: string, args: readonly string[], stdout: number | "pipe", stderr: number | "pipe") {
  return spawnSync(process.execPath, [BIN, ...args], {
    cwd: dir,
    stdio: ["ignore", stdout, stderr],
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
  });
}

describe("output faults (/dev/full)", () => {
  it("> /dev/full after a write: exit 2, one line, saying the snapshot was written", async () => {
    const box = await built();
    const device = fs.openSync("/dev/full", "w");
    try {
      const result = runTo(box.dir, ["block", L], device, "pipe");
      expect(result.status).toBe(2);
      expect(result.stderr).toBe(
        "bbgov: cannot write the report to standard output: no space left on the device; governor.json was written (standard output)\n",
      );
      expect(box.doc().peer_governor.blocklist).toEqual([L]);
      const readOnly = runTo(box.dir, ["inspect"], device, "pipe");
      expect(readOnly.status).toBe(2);
      expect(readOnly.stderr).toBe(
        "bbgov: cannot write the report to standard output: no space left on the device; no snapshot was written (standard output)\n",
      );
    } finally {
      fs.closeSync(device);
    }
  });

  it("2> /dev/full: exit 2, never a crash", async () => {
    const box = await built();
    const device = fs.openSync("/dev/full", "w");
    try {
      const failed = runTo(box.dir, ["block", "not-a-peer"], "pipe", device);
      expect(failed.status).toBe(2);
      expect(failed.stdout).toBe("");
      const warned = runTo(box.dir, ["threshold", "0"], "pipe", device);
      expect(warned.status).toBe(2);
    } finally {
      fs.closeSync(device);
    }
  });
});

describe("a closed pipe", () => {
  it("is the reader's choice: exit 0 and nothing on standard error", async () => {
    const box = await built(Array.from({ length: 2_000 }, (_, i) => `fail ${L} --after ${i + 1}ms`));
    // A long report, so that bbgov is still writing when head has gone.
    const result = spawnSync("bash", ["-c", `set -o pipefail; "${process.execPath}" "${BIN}" --json inspect | head -c 1 >/dev/null`], {
      cwd: box.dir,
      encoding: "utf8",
    });
    expect(result.status).toBe(0);
    expect(result.stderr).toBe("");
  });
});
