/** Text that is not UTF-8 JSON but holds NUL bytes (found by an adversarial run): named for what it is, not read as a node snapshot. */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cli, expectError, tempDirs } from "./helpers.js";

const EXAMPLE = path.resolve(__dirname, "../../fixtures/example.json");
const tempDir = tempDirs("bbgov-odd-");

describe("text with NUL bytes", () => {
  const cases: [string, (json: Buffer) => Buffer, RegExp][] = [
    [
      "UTF-16 JSON (as Windows tools save it)",
      (json) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(json.toString("utf8"), "utf16le")]),
      /UTF-16 text/,
    ],
    [
      "big-endian UTF-16 JSON",
      (json) => Buffer.from(Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(json.toString("utf8"), "utf16le")]).swap16()),
      /UTF-16 text/,
    ],
    [
      "JSON with a NUL byte in it",
      (json) => Buffer.concat([json.subarray(0, 50), Buffer.from([0]), json.subarray(50)]),
      /a NUL byte at byte 50: JSON text holds none/,
    ],
  ];
  it.each(cases)("%s: one line that says so, exit 2, the file unchanged", async (_, make, message) => {
    const file = path.join(tempDir(), "governor.json");
    const bytes = make(fs.readFileSync(EXAMPLE));
    fs.writeFileSync(file, bytes);
    for (const args of [["inspect"], ["block", "16uZAbWC1AJvL"]]) {
      const result = await cli(["-s", file, ...args]);
      expectError(result, message);
      expect(result.stderr).not.toMatch(/config\.peer_id/);
    }
    expect(fs.readFileSync(file)).toEqual(bytes);
  });
});

describe("empty paths (an unset shell variable; found by an adversarial run)", () => {
  it.each([
    ["-s ''", ["-s", "", "inspect"], "(-s)"],
    ["-s '' in a fleet", ["-s", EXAMPLE, "-s", "", "inspect"], "(-s)"],
    ["-o ''", ["-s", EXAMPLE, "-o", "", "block", "16uZAbWC1AJvL"], "(-o)"],
  ])("%s: a usage error that names the option", async (_, args, where) => {
    const before = fs.readFileSync(EXAMPLE);
    const result = await cli(args);
    expectError(result, `bbgov: an empty path: name a file (is a shell variable unset?) ${where}`);
    expect(fs.readFileSync(EXAMPLE)).toEqual(before);
  });
});
