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

describe("diff's lines on an 80-column terminal", () => {
  it("wrap between an entry's fields, so that no line is wider than 80 (a backoff entry's JSON was one 90-column word)", async () => {
    const box = sandbox();
    fs.copyFileSync(path.resolve("fixtures/example.json"), box.path("governor.json"));
    fs.copyFileSync(SMALL, box.path("node.snap"));
    const result = await box.run(["diff", "node.snap"], { env: { COLUMNS: "80" } });
    expect(result.status).toBe(1);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines.filter((line) => line.startsWith("+ backoff_table[") || line.startsWith("- backoff_table[")).length).toBeGreaterThan(3);
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(80);
    // Unlimited (a pipe with no COLUMNS): one line per difference, each entry still JSON once its field spaces go.
    const wide = await box.run(["diff", "node.snap"]);
    const entry = wide.stdout.split("\n").find((line) => line.startsWith("+ backoff_table[")) as string;
    expect(JSON.parse(entry.slice(entry.indexOf("{")))).toHaveProperty("attempts");
  });
});

describe("an allowlist that appears, on a narrow terminal (review 12)", () => {
  it("wraps between the ids, never past the width", async () => {
    const box = sandbox();
    await box.build();
    fs.copyFileSync(box.path(), box.path("other.json"));
    const ids = ["12D3KooWJATkUcKJHbbtK22skXSBCUAtjkCg9z6NVDz3wX4a7Ci4", "QmZnC2FJ3vHT4mJhiTVBPaeEQQYBTZeRtkKHRFmAMtQ6A4"];
    await box.ok(["-q", "-s", "other.json", "allow", "--restrict", ...ids]);
    const result = await box.run(["diff", "other.json"], { env: { COLUMNS: "80" } });
    expect(result.status).toBe(1);
    expect(result.stdout).toContain(`["${ids[0]}",\n  "${ids[1]}"]`);
    for (const line of result.stdout.split("\n")) expect(line.length).toBeLessThanOrEqual(80);
  });
});
