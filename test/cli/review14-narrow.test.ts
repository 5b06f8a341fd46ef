/**
 * Review 14's sweep of every command on a 40-column terminal: what stood wider than the terminal though it could
 * wrap or shorten. A line wider than the terminal is allowed only for one word that cannot be split (a whole peer
 * id or path), alone on its line or after a mark such as `✓`.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { stripVTControlCharacters } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { wrapLine } from "../../src/cli/render/fit.js";
import { PLAIN } from "../../src/cli/render/plain.js";
import { asGiven, cli, EXAMPLE, tempDir } from "./terminal-helpers.js";

const FIXTURES = fileURLToPath(new URL("../../fixtures/", import.meta.url));
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** The lines of a run's standard output as the terminal shows them. */
function shown(stdout: string): string[] {
  return stripVTControlCharacters(stdout).split("\n");
}

/** The lines wider than `columns` that are more than one word (a mark before it aside). */
function overflowing(lines: readonly string[], columns: number): string[] {
  return lines.filter((line) => [...line].length > columns && !/^ *(?:[✓!✗·+~-] )?\S+$/.test(line));
}

describe("a word too long for any line", () => {
  const ui = { chalk: PLAIN, width: 40 };
  const id = "12D3KooWS3iYbD7YEuQ1SGhRiUSiVBdgzuWSxXgY551TNtMFdaik";

  it("goes to a line of its own after words (it stood beside them, 78 wide at 40 columns)", () => {
    expect(wrapLine(ui, `- peer_governor.blocklist ${id}`, 2)).toBe(`- peer_governor.blocklist\n  ${id}`);
  });

  it("stays after a mark no wider than the indent: a line of its own would be no narrower", () => {
    expect(wrapLine(ui, `✓ ${id} blocked`, 2)).toBe(`✓ ${id}\n  blocked`);
  });
});

describe("40 columns", () => {
  it("diff: a whole id under its path, a backoff entry between its fields", async () => {
    const result = await cli(["-s", asGiven(EXAMPLE), "diff", asGiven(path.join(FIXTURES, "node/small.bin"))], {
      tty: true,
      columns: 40,
    });
    expect(result.status).toBe(1);
    const lines = shown(result.stdout);
    expect(overflowing(lines, 40)).toEqual([]);
    expect(lines).toContain("  12D3KooWS3iYbD7YEuQ1SGhRiUSiVBdgzuWSxXgY551TNtMFdaik");
  });

  it("backoff --plan: ATTEMPT becomes #, the note 'capped' (the table was 52 wide, 55 with a schedule of 1 ns to 1 d)", async () => {
    const dir = tempDir("bbgov-narrow-");
    dirs.push(dir);
    const file = path.join(dir, "governor.json");
    fs.copyFileSync(EXAMPLE, file);
    for (const extra of [[], ["--base", "1ns", "--max", "1d"]]) {
      const result = await cli(["-s", file, "--dry-run", "backoff", ...extra, "--plan"], { tty: true, columns: 40 });
      expect(result.status).toBe(0);
      const lines = shown(result.stdout);
      expect(overflowing(lines, 40)).toEqual([]);
      expect(lines.find((line) => line.startsWith("│  #"))).toMatch(/^│  # │ +DELAY │ CUMULATIVE │ NOTE +│$/);
      expect(lines.some((line) => / │ capped │$/.test(line))).toBe(true);
    }
    // At 80 columns, as before.
    const wide = await cli(["-s", file, "backoff", "--plan"], { tty: true, columns: 80 });
    expect(shown(wide.stdout)).toContain("│ ATTEMPT │  DELAY │ CUMULATIVE │ NOTE             │");
  });

  it("a fleet's validate names each node by its label, short, and a path label by its end", async () => {
    const dir = tempDir("bbgov-narrow-");
    dirs.push(dir);
    fs.mkdirSync(path.join(dir, "lab"));
    fs.copyFileSync(EXAMPLE, path.join(dir, "lab", "governor.json"));
    fs.copyFileSync(path.join(FIXTURES, "node/small.bin"), path.join(dir, "small.bin"));
    const result = await cli(["-s", dir, "-s", path.join(dir, "lab", "governor.json"), "validate"], { tty: true, columns: 40 });
    expect(result.status).toBe(0);
    const lines = shown(result.stdout);
    expect(overflowing(lines, 40)).toEqual([]);
    // The label replaced the path (drawn fitted first, the path had gone to the next line, and stayed there whole).
    expect(lines).toContain("valid: 12D3KooW…yEey2 (10 tracked, 2");
    expect(lines).toContain("valid: …/governor.json (11 tracked, 2");
  });
});
