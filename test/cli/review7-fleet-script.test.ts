/**
 * Review 7: a fleet's apply script is the same for every file. What is wrong with the script itself (it cannot
 * be read, a line that is wrong whatever the node holds) is reported once, naming the script; what depends on a
 * node's state is still reported per file.
 */
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { expectError, sandboxes } from "./helpers.js";

const sandbox = sandboxes();

/** Two bbgov snapshots, a.json and b.json. */
async function pair(): Promise<ReturnType<typeof sandbox>> {
  const box = sandbox();
  await box.ok(["-q", "-s", "a.json", "init"]);
  await box.ok(["-q", "-s", "b.json", "init"]);
  return box;
}

describe("a fleet's script that cannot be read", () => {
  it("is one error naming the script (was: one per file, each under the file's name)", async () => {
    const box = await pair();
    expectError(
      await box.run(["-s", "a.json", "-s", "b.json", "apply", "missing.txt"]),
      "bbgov: cannot read the script file: no such file (missing.txt)\n",
    );
  });
});
