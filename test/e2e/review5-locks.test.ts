/**
 * Fourth review of the lock: a read-only snapshot takes no lock (a user who
 * cannot write it must not leave a lock file its owner cannot open). Made
 * writable while bbgov reads it (chmod u+w between that check and the write),
 * it must still not be written without the lock, which another bbgov may hold.
 * The chmod is made by the process itself, as it opens the file to read it,
 * through a preloaded module: the timing is then the same on every run.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { acquireLock } from "../../src/cli/io/lock.js";
import { BIN, L, Sandbox, tempDirs } from "./helpers.js";

const dirs = tempDirs("bbgov-review5-locks-");

/** Makes governor.json writable when the process opens it to read. */
const PRELOAD = `
const fs = require("node:fs");
const openSync = fs.openSync;
fs.openSync = (file, flags, ...rest) => {
  if (String(file).endsWith("governor.json") && (flags & 3) === 0) fs.chmodSync(file, 0o644);
  return openSync(file, flags, ...rest);
};
`;

describe("a read-only snapshot made writable while bbgov reads it", () => {
  it("is not written while another holds its lock", async () => {
    const box = new Sandbox(dirs());
    const before = box.build();
    const file = box.path();
    fs.chmodSync(file, 0o444);
    const preload = path.join(box.dir, "preload.cjs");
    fs.writeFileSync(preload, PRELOAD);
    const held = await acquireLock(file, "test", 0);
    try {
      const result = spawnSync(process.execPath, ["--require", preload, BIN, "--lock-timeout", "0", "block", L], {
        cwd: box.dir,
        env: { ...process.env, NO_COLOR: "1", BBGOV_SNAPSHOT: "governor.json" },
        encoding: "utf8",
        timeout: 20_000,
      });
      expect(fs.statSync(file).mode & 0o777).toBe(0o644); // the chmod did happen
      expect(box.read()).toBe(before);
      expect(result.stderr).toBe("bbgov: cannot write the snapshot: it is read-only (mode 0444) (governor.json)\n");
      expect(result.status).toBe(2);
    } finally {
      await held.release();
    }
  });
});
