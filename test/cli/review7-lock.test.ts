/**
 * Seventh review: a writer that is told not to wait for the lock says so, not
 * that it "gave up after 0 ns".
 */
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
