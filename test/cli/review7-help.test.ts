/**
 * Seventh review: what a new operator reads in help and sees at a narrow terminal.
 */
import { stripVTControlCharacters } from "node:util";
import { describe, expect, it } from "vitest";
import { cli } from "./helpers.js";
import { asGiven, cli as terminal, EXAMPLE } from "./terminal-helpers.js";

describe("check --help", () => {
  it("says --at and --after choose the instant of the decisions: check records no event", async () => {
    const result = await cli(["check", "--help"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/--at <time> +the decisions as at TIME instead of the clock\n/);
    expect(result.stdout).toMatch(/--after <dur> +the decisions as at the clock \+ DUR\n/);
    expect(result.stdout).not.toContain("when the event happens");
  });
});

describe("the summary above a table, on a 40-column terminal", () => {
  it("wraps each value between words under itself, every line within the width", async () => {
    const result = await terminal(["-s", asGiven(EXAMPLE), "--no-color", "inspect", "--limit", "1"], { tty: true, columns: 40 });
    expect(result.status).toBe(0);
    const header = result.stdout.slice(0, result.stdout.indexOf("\n\n"));
    expect(header.startsWith("snapshot   fixtures/example.json\n")).toBe(true);
    for (const line of header.split("\n")) expect(line.length, line).toBeLessThanOrEqual(40);
    expect(header).toContain("clock      1764000000123456789\n           (2025-11-24 16:00:00.123 UTC)\n");
    expect(header).toContain("peers      12 known, 11 tracked, 5 down,\n           4 cooling down");
  });

  it("leaves a summary that fits as it was", async () => {
    const result = await terminal(["-s", EXAMPLE, "--no-color", "inspect", "--limit", "1"], { tty: true, columns: 80 });
    expect(result.stdout).toContain("clock      1764000000123456789 (2025-11-24 16:00:00.123 UTC)\npolicy ");
  });
});

describe("an option of the command given before it", () => {
  it.each([
    [
      ["--force", "init"],
      "bbgov: --force is an option of init: put it after the command (bbgov init --force ...) (see bbgov init --help)\n",
    ],
    [
      // A changing command's --force for -o (the one the --out refusal asks for), not among its declared options.
      ["-o", "out.json", "--force", "block", "16uZAbWC1AJvL"],
      "bbgov: --force is an option of block: put it after the command (bbgov block --force ...) (see bbgov block --help)\n",
    ],
    [
      ["--limit=2", "inspect"],
      "bbgov: --limit is an option of inspect: put it after the command (bbgov inspect --limit ...) (see bbgov inspect --help)\n",
    ],
  ])("%j is told where it goes, not that it is unknown", async (argv, line) => {
    const result = await cli(argv);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(line);
  });

  it("an option no command has is still unknown", async () => {
    const result = await cli(["--nope", "inspect"]);
    expect(result.stderr).toBe("bbgov: unknown option '--nope' (see bbgov inspect --help)\n");
  });
});

describe("bbgov --help", () => {
  it("wraps the Times paragraph as every command's help does: its later lines indented under it", async () => {
    const result = await cli(["--help"]);
    expect(result.stdout).toContain("\nTimes: DUR is a number with a unit ns, us, ms, s, m, h, d (250ms, 1.5s, 1m30s);\n  TIME is ");
  });
});

describe("check on a 40-column terminal", () => {
  it("wraps its lines between words under themselves, a number never parted from its unit", async () => {
    const result = await terminal(["-s", EXAMPLE, "--no-color", "check", "12D3KooWJj"], { tty: true, columns: 40 });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe(
      [
        "12D3KooW…5ptHD at 2025-11-24",
        "  16:00:00.123 UTC",
        "  inbound   allow",
        "  outbound  deny  cooldown: backing off",
        "            until 16:00:15.603, in",
        "            15.4 s",
        "  (marked down after 12 failures; down",
        "   never affects a decision)",
        "",
      ].join("\n"),
    );
  });
});

describe("a command's report on a 40-column terminal", () => {
  const SHORT_EXAMPLE = asGiven(EXAMPLE);

  it("wraps its sentences between words, and fits its table (short titles)", async () => {
    const result = await terminal(["-s", SHORT_EXAMPLE, "--dry-run", "fail", "16uZAbWC1AJvL", "--times", "2"], {
      tty: true,
      columns: 40,
      env: { FORCE_COLOR: "1" },
    });
    expect(result.status).toBe(0);
    const lines = result.stdout.split("\n");
    // The table fits with short titles (it stayed 53 wide, its narrowest form then).
    expect(lines[1]).toBe(
      "│ \u001b[1m#\u001b[22m │ \u001b[1mSINCE\u001b[22m │ \u001b[1mFAILS\u001b[22m │ \u001b[1mEVENT\u001b[22m │ \u001b[1mRETRY IN\u001b[22m │",
    );
    for (const line of lines) expect([...stripVTControlCharacters(line)].length, line).toBeLessThanOrEqual(40);
    expect(stripVTControlCharacters(result.stdout)).toContain("16uZAbWC1AJvL is up with 2 consecutive\n  failure(s)\n");
  });

  it("a longer streak's table drops the time since the start to fit", async () => {
    const result = await terminal(
      ["-s", SHORT_EXAMPLE, "--no-color", "--dry-run", "fail", "16uZAbWC1AJvL", "--times", "6", "--every", "90s"],
      {
        tty: true,
        columns: 40,
      },
    );
    const lines = result.stdout.split("\n");
    expect(lines[1]).toBe("│ # │ FAILS │ EVENT    │  RETRY IN │");
    for (const line of lines) expect([...line].length, line).toBeLessThanOrEqual(40);
  });

  it("keeps a word too long for any line (a whole peer id) where it stands", async () => {
    const result = await terminal(["-s", EXAMPLE, "--no-color", "--dry-run", "unblock", "--all"], { tty: true, columns: 40 });
    expect(result.stdout).toContain("✓ 12D3KooWS3iYbD7YEuQ1SGhRiUSiVBdgzuWSxXgY551TNtMFdaik\n  unblocked\n");
  });

  it("leaves a pipe's output whole", async () => {
    const result = await terminal(["-s", EXAMPLE, "--no-color", "--dry-run", "threshold", "3"]);
    expect(result.stdout).toContain("down flags are not recomputed: the next event sets them, as upstream\n");
  });
});

describe("help for a fleet (review 13)", () => {
  it("bbgov --help shows a fleet among its examples, with --jobs, and --jobs says its range", async () => {
    const result = await cli(["--help"], { env: { COLUMNS: "80" } });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("  $ bbgov -s 'nodes/*.snap' --jobs 4 block 16uZAbWC1AJvL\n");
    expect(result.stdout.replace(/\s+/g, " ")).toContain("--jobs <n> fleet: files read at once, 1 to 1024 (default: the number of cores)");
  });

  it("check --help shows it across a fleet", async () => {
    const result = await cli(["check", "--help"], { env: { COLUMNS: "80" } });
    expect(result.stdout).toContain("  $ bbgov -s nodes/ check 16uZAbWC1AJvL   # each node: exit 1 if one denies\n");
  });
});
