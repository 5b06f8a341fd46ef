/**
 * Review 9b: `diff` against a node snapshot compared what the file does not
 * hold (its clock is the latest event, its schedule the host's), and the
 * other file's load warnings were dropped.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { sandboxes, warnings } from "./helpers.js";

const sandbox = sandboxes();
const SMALL = path.resolve("fixtures/node/small.bin");

describe("diff with a file that holds no clock or backoff schedule", () => {
  it("compares neither, says so, and still reports the governor's differences", async () => {
    const box = sandbox();
    fs.copyFileSync(SMALL, box.path("node.snap"));
    await box.ok(["-q", "-s", "node.snap", "export", "--to", "bbgov-json", "-o", "governor.json"]);
    await box.ok(["-q", "backoff", "--base", "20ms"]);
    await box.ok(["-q", "clock", "--advance", "1s"]);
    for (const args of [
      ["diff", "node.snap"],
      ["-s", "node.snap", "diff", "governor.json"],
    ]) {
      const same = await box.run(args);
      expect(same.status, same.stderr).toBe(0);
      expect(same.stdout).toMatch(/^same: .*\n\(clock and backoff schedule not compared: node\.snap holds none\)\n$/);
      expect(await box.json(args)).toMatchObject({ same: true, changes: [], not_compared: ["clock_ns", "backoff"] });
    }
    await box.ok(["-q", "threshold", "9"]);
    const differs = await box.run(["diff", "node.snap"]);
    expect(differs.status).toBe(1);
    expect(differs.stdout).toContain("~ peer_governor.failure_threshold: 9 -> 5\n");
    expect(differs.stdout).not.toMatch(/clock_ns|backoff\.base_ns/);
  });

  it("still compares both between two bbgov snapshots", async () => {
    const box = sandbox();
    await box.build();
    fs.copyFileSync(box.path(), box.path("other.json"));
    await box.ok(["-q", "-s", "other.json", "apply", "-"], { input: "backoff --base 20ms\nclock --advance 1s\n" });
    const result = await box.run(["diff", "other.json"]);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/~ clock_ns: .*\n~ backoff\.base_ns: 10000000 -> 20000000\n$/);
  });
});

describe("diff OTHER's load warnings", () => {
  it("are shown, naming OTHER", async () => {
    const box = sandbox();
    await box.build(["threshold 1"]);
    box.write("other.json", box.read().replace('"failure_threshold": 1', '"failure_threshold": 0'));
    const result = await box.run(["diff", "other.json"]);
    expect(result.status).toBe(0);
    expect(warnings(result.stderr)).toEqual([
      "failure_threshold 0 loads as 1 (upstream clamps it to at least 1) (other.json: peer_governor.failure_threshold)",
    ]);
  });
});
