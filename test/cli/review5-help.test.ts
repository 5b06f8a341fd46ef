/**
 * Fourth review, `bbgov ... --help` with short options run together: commander
 * takes `-qs FILE` as `-q -s FILE`, so FILE is -s's value, not a command.
 */
import { describe, expect, it } from "vitest";
import { cli } from "./helpers.js";

describe("--help after a cluster of short options", () => {
  it.each([[["-qs", "g.json", "inspect", "--help"]], [["-qsg.json", "inspect", "--help"]], [["-qo", "out.json", "block", "-h"]]])(
    "%j shows the command's help",
    async (argv) => {
      const result = await cli(argv);
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/^Usage: bbgov (inspect|block) /);
    },
  );

  it("an unknown command after the cluster is still named", async () => {
    const result = await cli(["-qs", "g.json", "nosuch", "--help"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe("bbgov: unknown command 'nosuch' (see bbgov --help)\n");
  });
});
