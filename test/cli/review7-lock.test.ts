/**
 * Seventh review: a writer that is told not to wait for the lock says so, not
 * that it "gave up after 0 ns".
 */
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { acquireLock } from "../../src/cli/io/lock.js";
import { expectError, L, sandboxes } from "./helpers.js";

const sandbox = sandboxes();

describe("--lock-timeout 0 on a held lock", () => {
  it("says it did not wait, and writes nothing", async () => {
    const box = sandbox();
    const before = await box.build();
    const lock = await acquireLock(box.path(), "test", 1000);
    try {
      for (const timeout of ["0", "500us"]) {
        const result = await box.run(["--lock-timeout", timeout, "block", L]);
        expectError(
          result,
          /^bbgov: the snapshot is locked by pid \d+ on .* \(bbgov test, for .*\); did not wait \(--lock-timeout under 1 ms\) \(.*governor\.json\.lock\)\n$/,
        );
      }
    } finally {
      await lock.release();
    }
    expect(box.read()).toBe(before);
  });
});

describe("a snapshot's lock file named as the file to write (found in review 12's list, mended after it)", () => {
  it("is refused with --force or without, by init, a changing command, export -o and completion -o; the lock file stays", async () => {
    const box = sandbox();
    const before = await box.build([`block ${L}`]);
    // The lock file exists once a write has taken the lock; what a writer holding it locked is that very file.
    const lockFile = box.path("governor.json.lock");
    expect(fs.statSync(lockFile).isFile()).toBe(true);
    const lockBefore = fs.readFileSync(lockFile);
    const refusal = `bbgov: governor.json.lock is the lock file of governor.json, not a snapshot or an output: name another file (${lockFile})\n`;
    for (const args of [
      ["-s", "governor.json.lock", "init", "--force"],
      ["-s", "governor.json.lock", "--lock-timeout", "0", "threshold", "3"],
      ["export", "-o", "governor.json.lock", "--force"],
      ["completion", "bash", "-o", "governor.json.lock", "--force"],
    ]) {
      const result = await box.run(args);
      expect(result.stderr, args.join(" ")).toBe(refusal);
      expect(result.status, args.join(" ")).toBe(2);
      expect(fs.readFileSync(lockFile)).toEqual(lockBefore);
    }
    // A link to the lock file is the lock file.
    fs.symlinkSync("governor.json.lock", box.path("link.json"));
    expectError(await box.run(["-s", "link.json", "init", "--force"]), "governor.json.lock is the lock file of governor.json");
    expect(fs.readFileSync(lockFile)).toEqual(lockBefore);
    expect(box.read()).toBe(before);
    // A name ending in .lock with no file beside it is an ordinary snapshot.
    await box.ok(["-s", "other.lock", "-q", "init"]);
    expect(box.exists("other.lock")).toBe(true);
  });
});
