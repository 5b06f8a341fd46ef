/**
 * Sixth review: what a fleet's partial write tells the operator to do next. Re-running a command that states a
 * policy (block) completes the rest; re-running one that records events (fail, clock --advance, apply) would record
 * them a second time on the files already written, so the last line must not say "the same command run again
 * completes the rest" for those.
 */
import fs from "node:fs";
import path from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { acquireLock } from "../../src/cli/io/lock.js";
import { tempDirs } from "./helpers.js";
import { cli } from "./run.js";

const FIXTURES = path.resolve(__dirname, "../../fixtures");
const PEER = "16uZAbWC1AJvL";

const freshDir = tempDirs("bbgov-review6-");
let dir: string;
beforeEach(() => {
  dir = freshDir();
});

/** Two bbgov JSON snapshots and a node snapshot; `b.json` is the one locked. */
function fleet(): string {
  const folder = path.join(dir, "nodes");
  fs.mkdirSync(folder);
  fs.copyFileSync(path.join(FIXTURES, "example.json"), path.join(folder, "a.json"));
  fs.copyFileSync(path.join(FIXTURES, "example.json"), path.join(folder, "b.json"));
  fs.copyFileSync(path.join(FIXTURES, "node/small.bin"), path.join(folder, "c.bin"));
  return folder;
}

/** Runs `args` on the fleet while b.json's lock is held; returns the last line on standard error. */
async function lastLineUnderLock(folder: string, args: readonly string[], input?: string): Promise<string> {
  const lock = await acquireLock(path.join(folder, "b.json"), "test", 1000);
  try {
    const result = await cli(["-s", folder, "--lock-timeout", "30ms", ...args], input);
    expect(result.status).toBe(2);
    return result.stderr.trimEnd().split("\n").at(-1) ?? "";
  } finally {
    await lock.release();
  }
}

describe("a fleet's partial write: what to run next", () => {
  it("fail: name only the files not written (a re-run of all would fail the written ones twice)", async () => {
    const folder = fleet();
    const line = await lastLineUnderLock(folder, ["fail", PEER]);
    expect(line).toBe(
      "bbgov: 1 of 3 file(s) not written: b.json; written: a.json, c.bin; " +
        // The files to name, as -s takes them from here (review 7: it said "-s FILE" after paths in the fleet's folder).
        `run fail again naming only the files not written (-s ${folder}/b.json): on the files written it would record its events twice (fleet)`,
    );
    // What that line warns of: the written file has one failure, and a run on b.json alone brings b.json to the same.
    expect((await cli(["-s", path.join(folder, "b.json"), "fail", PEER])).status).toBe(0);
    const failures = async (file: string): Promise<unknown> =>
      (JSON.parse((await cli(["--json", "-s", path.join(folder, file), "inspect", PEER])).stdout) as { peers: { health: unknown }[] })
        .peers[0]?.health;
    expect(await failures("b.json")).toMatchObject({ consecutive_failures: 1 });
    expect(await failures("a.json")).toMatchObject({ consecutive_failures: 1 });
  });

  it("the files to name are paths from here, quoted for the shell when they need it (review 7)", async () => {
    const folder = fleet();
    const spaced = path.join(dir, "node's files");
    fs.renameSync(folder, spaced);
    const line = await lastLineUnderLock(spaced, ["succeed", PEER]);
    expect(line).toContain(`run succeed again naming only the files not written (-s '${dir}/node'\\''s files/b.json'): `);
  });

  it.each([
    [["clock", "--advance", "1s"], "clock", "a.json"],
    [["apply", "-"], "apply", "a.json, c.bin"],
  ])("%j records events: the same advice", async (args, name, written) => {
    const folder = fleet();
    if (name === "clock") fs.rmSync(path.join(folder, "c.bin")); // a node snapshot holds no clock
    const line = await lastLineUnderLock(folder, args, `fail ${PEER}\n`);
    expect(line).toContain(`written: ${written}; run ${name} again naming only the files not written (-s ${folder}/b.json)`);
  });

  it.each([[["block", PEER]], [["clock", "--set", "1764000000123456789"]]])(
    "%j states a policy: the same command run again completes the rest",
    async (args) => {
      const folder = fleet();
      if (args[0] === "clock") fs.rmSync(path.join(folder, "c.bin"));
      const line = await lastLineUnderLock(folder, args);
      expect(line).toMatch(/; the same command run again completes the rest \(fleet\)$/);
    },
  );
});
