/**
 * Seventh review: what a new operator reads in help and sees at a narrow terminal.
 */
import { describe, expect, it } from "vitest";
import { cli } from "./helpers.js";

describe("check --help", () => {
  it("says --at and --after choose the instant of the decisions: check records no event", async () => {
    const result = await cli(["check", "--help"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/--at <time> +the decisions as at TIME instead of the clock\n/);
    expect(result.stdout).toMatch(/--after <dur> +the decisions as at the clock \+ DUR\n/);
    expect(result.stdout).not.toContain("when the event happens");
  });
});
