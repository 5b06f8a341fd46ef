/**
 * Third review, help in a 40-column terminal (the narrowest bbgov lays out
 * for): where the description column would be too narrow, commander printed
 * each description unwrapped on its term's line, and the terminal cut it
 * mid-word. Every option and command line now fits.
 */
import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../src/cli/program.js";
import { sandboxes } from "./helpers.js";

const sandbox = sandboxes();

/** The item lines of a help text: from the first list to the examples. */
function itemLines(help: string): string[] {
  const lines = help.split("\n");
  const from = lines.findIndex((line) => /^(Options|Arguments|Commands):$/.test(line));
  const to = lines.indexOf("Examples:");
  return lines.slice(from, to < 0 ? undefined : to);
}

describe("help at 40 columns", () => {
  it.each([[[]], ...COMMANDS.map((spec) => [[spec.name]])])("%j --help: every item line fits", async (command) => {
    const out = await sandbox().ok([...command, "--help"], { env: { COLUMNS: "40" } });
    const lines = itemLines(out);
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(40);
    // Nothing is lost: each description's words are all there, in order.
    expect(out.replace(/\s+/g, " ")).toContain("the snapshot (default $BBGOV_SNAPSHOT, else governor.json)");
  });

  it("at 80 columns the layout is commander's: a description beside its term", async () => {
    const out = await sandbox().ok(["fail", "--help"], { env: { COLUMNS: "80" } });
    expect(out).toContain("  --times <n>                number of failures (1 to 1000000) (default: 1)\n");
  });
});
