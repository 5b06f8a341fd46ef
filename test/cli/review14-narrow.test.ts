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
import { wrapExample } from "../../src/cli/program.js";
import { wrapLine } from "../../src/cli/render/fit.js";
import { shortLabels } from "../../src/cli/render/fleet.js";
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

describe("a node's short name", () => {
  it("a peer id keeps its first 8 and last 5 characters; a path as many, its end, unless two then read alike", () => {
    const id = "12D3KooWGmsLTSHwPyiPKZp3dtS7b9NhTJaS6NaBqgsn7wdyEey2";
    expect(shortLabels([id, "lab/governor.json", "a.json"])).toEqual(["12D3KooW…yEey2", "…governor.json", "a.json"]);
    // Both were "…governor.json": each keeps its start too.
    expect(shortLabels(["broken/governor.json", id, "lab/governor.json"])).toEqual(["broken/…r.json", "12D3KooW…yEey2", "lab/gov…r.json"]);
  });
});

describe("help at 40 columns", () => {
  const commands = ["init", "inspect", "block", "unblock", "allow", "disallow", "fail", "succeed", "advise", "check"];
  const more = ["threshold", "backoff", "clock", "reset", "validate", "diff", "apply", "import", "export", "completion"];

  it.each([[], ...[...commands, ...more].map((name) => [name])])("bbgov %s --help: every line fits, a long word alone", async (...name) => {
    const result = await cli([...name, "--help"], { tty: true, columns: 40 });
    expect(result.status).toBe(0);
    // Examples were up to 79 wide (shell lines), the usage line 41; a word too long for any line may end in " \\".
    // A quoted shell word is one word, spaces and all.
    const lines = shown(result.stdout).map((line) => line.replace(/ \\$/, "").replace(/'[^']*'/g, (word) => word.replaceAll(" ", "_")));
    expect(overflowing(lines, 40)).toEqual([]);
  });

  it("an example goes on with ' \\' between shell words, never in quotes, its comment above it: it runs as pasted", () => {
    const command = "bbgov --json fail 16uZAbWC1AJvL --after 2s | jq -r '.events[].transition x'";
    const wrapped = wrapExample(command, 40);
    expect(wrapped).toBe(
      ["  $ bbgov --json fail 16uZAbWC1AJvL \\", "      --after 2s | jq -r \\", "      '.events[].transition x'"].join("\n"),
    );
    expect(wrapped.slice(4).replaceAll(" \\\n      ", " ")).toBe(command);
    expect(wrapExample("bbgov -s nodes/ check 16uZAbWC1AJvL   # each node", 40)).toBe(
      "  # each node\n  $ bbgov -s nodes/ check 16uZAbWC1AJvL",
    );
    expect(wrapExample("bbgov check 16uZAbWC1AJvL", 80)).toBe("  $ bbgov check 16uZAbWC1AJvL");
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
      expect(lines.find((line) => line.startsWith("│  #"))).toMatch(/^│ {2}# │ +DELAY │ CUMULATIVE │ NOTE +│$/);
      expect(lines.some((line) => / │ capped │$/.test(line))).toBe(true);
    }
    // At 80 columns, as before.
    const wide = await cli(["-s", file, "backoff", "--plan"], { tty: true, columns: 80 });
    expect(shown(wide.stdout)).toContain("│ ATTEMPT │  DELAY │ CUMULATIVE │ NOTE             │");
  });

  it("a fleet's dry run: an apply script's tables under each node fit, as a backoff plan of 1 ns to 1 d does", async () => {
    const dir = tempDir("bbgov-narrow-");
    dirs.push(dir);
    fs.copyFileSync(path.join(FIXTURES, "node/small.bin"), path.join(dir, "a.bin"));
    fs.copyFileSync(path.join(FIXTURES, "node/allowlist-some.bin"), path.join(dir, "b.bin"));
    const script = path.join(dir, "script.txt");
    fs.writeFileSync(script, "fail 16uZAbWC1AJvL --times 3 --every 1s\n");
    // Drawn as the script ran, for the whole width: 45 wide at 43 columns under a node's name (indented 2 more).
    for (const columns of [40, 43, 52]) {
      const result = await cli(["-s", `${dir}/*.bin`, "--dry-run", "apply", script], { tty: true, columns });
      expect(result.status).toBe(0);
      expect(overflowing(shown(result.stdout), columns)).toEqual([]);
    }
    // Its last step (under a node, 38 columns): the note "max"; the plan was 41 wide at 40.
    const plan = await cli(["-s", `${dir}/*.bin`, "--host-backoff", "1ns,1d", "backoff", "--plan"], { tty: true, columns: 40 });
    expect(plan.status).toBe(0);
    expect(overflowing(shown(plan.stdout), 40)).toEqual([]);
    expect(shown(plan.stdout).filter((line) => / │ max +│$/.test(line))).toHaveLength(2);
  });

  it("a fleet's check with a node that cannot be read: 'error' in the narrowest table (it was 42 wide at 40)", async () => {
    const dir = tempDir("bbgov-narrow-");
    dirs.push(dir);
    for (const name of ["broken", "lab"]) fs.mkdirSync(path.join(dir, name));
    fs.copyFileSync(EXAMPLE, path.join(dir, "lab", "governor.json"));
    fs.writeFileSync(path.join(dir, "broken", "governor.json"), '{"spec_version": 1, "clock_ns": "x"}\n');
    fs.copyFileSync(path.join(FIXTURES, "node/allowlist-some.bin"), path.join(dir, "us.bin"));
    const result = await cli(["-s", `${dir}/*/*.json`, "-s", `${dir}/us.bin`, "check", "16uZAbWC1AJvL"], { tty: true, columns: 40 });
    expect(result.status).toBe(2);
    const lines = shown(result.stdout);
    expect(overflowing(lines, 40)).toEqual([]);
    expect(lines).toContain("│ broken/…r.json │ error   │          │");
    expect(lines).toContain("│ lab/gov…r.json │ allow   │ allow    │");
    expect(result.stderr).toContain("broken/governor.json: clock_ns)");
    // Wider, the whole word.
    const wide = await cli(["-s", `${dir}/*/*.json`, "-s", `${dir}/us.bin`, "check", "16uZAbWC1AJvL"], { tty: true, columns: 80 });
    expect(shown(wide.stdout).some((line) => /│ unreadable +│/.test(line))).toBe(true);
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
    expect(lines).toContain("valid: …governor.json (11 tracked, 2");
  });
});
